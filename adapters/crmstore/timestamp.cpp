#include "adapters/crmstore/timestamp.hpp"

#include <cstdio>

namespace medgw::crmstore {

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", static_cast<int>(ymd.year()) % 10000,
                static_cast<unsigned>(ymd.month()) % 100, static_cast<unsigned>(ymd.day()) % 100,
                static_cast<long>(hms.hours().count()) % 100, static_cast<long>(hms.minutes().count()) % 100,
                static_cast<long>(hms.seconds().count()) % 100, static_cast<long>(hms.subseconds().count()) % 1000);
  return buf;
}

}  // namespace medgw::crmstore

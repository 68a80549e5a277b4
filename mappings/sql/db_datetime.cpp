#include "mappings/sql/db_datetime.hpp"

#include <algorithm>
#include <cctype>

namespace medgw::sql {
namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "YYYY-MM-DD" checked for plausible ranges (not the calendar: the store keeps what was sent).
std::optional<std::string> date_part(std::string_view s) {
  if (s.size() == 8 && digits(s))
    return std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" + std::string(s.substr(6, 2));
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s.substr(0, 4)) || !digits(s.substr(5, 2)) ||
      !digits(s.substr(8, 2))) {
    return std::nullopt;
  }
  const int month = number(s.substr(5, 2)), day = number(s.substr(8, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  return std::string(s);
}

// "+08", "+0800", "+08:00", "Z" -> "+08:00" / "Z"; nullopt when it is none of these.
std::optional<std::string> zone_of(std::string_view z) {
  if (z == "Z") return std::string("Z");
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-') || !digits(z.substr(1, 2))) return std::nullopt;
  const char sign = z[0];
  std::string hh(z.substr(1, 2)), mm = "00";
  z.remove_prefix(3);
  if (z.size() == 3 && z[0] == ':' && digits(z.substr(1))) {
    mm = std::string(z.substr(1));
  } else if (z.size() == 2 && digits(z)) {
    mm = std::string(z);
  } else if (!z.empty()) {
    return std::nullopt;
  }
  return std::string(1, sign) + hh + ":" + mm;
}

}  // namespace

std::optional<std::string> fhir_date(std::string_view db_value) {
  const std::string v = trim(db_value);
  std::string_view s = v;
  if (s.size() > 10 && (s[10] == ' ' || s[10] == 'T')) s = s.substr(0, 10);
  if (s.size() > 8 && digits(s)) s = s.substr(0, 8);  // compact timestamp
  return date_part(s);
}

std::optional<std::string> fhir_date_time(std::string_view db_value, std::string_view zone) {
  const std::string v = trim(db_value);
  std::string_view s = v;
  std::string date, time;
  if (digits(s) && (s.size() == 8 || s.size() == 12 || s.size() == 14)) {
    auto d = date_part(s.substr(0, 8));
    if (!d) return std::nullopt;
    date = *d;
    if (s.size() >= 12)
      time = std::string(s.substr(8, 2)) + ":" + std::string(s.substr(10, 2)) + ":" +
             (s.size() == 14 ? std::string(s.substr(12, 2)) : std::string("00"));
    s = {};
  } else {
    auto d = date_part(s.substr(0, 10));
    if (!d) return std::nullopt;
    date = *d;
    s.remove_prefix(std::min<std::size_t>(10, s.size()));
    if (!s.empty()) {
      if (s[0] != ' ' && s[0] != 'T') return std::nullopt;
      s.remove_prefix(1);
      // hh:mm[:ss[.fff]]
      if (s.size() < 5 || !digits(s.substr(0, 2)) || s[2] != ':' || !digits(s.substr(3, 2))) return std::nullopt;
      time = std::string(s.substr(0, 5));
      s.remove_prefix(5);
      if (!s.empty() && s[0] == ':') {
        if (s.size() < 3 || !digits(s.substr(1, 2))) return std::nullopt;
        time += std::string(s.substr(0, 3));
        s.remove_prefix(3);
        if (!s.empty() && s[0] == '.') {
          std::size_t n = 1;
          while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
          if (n == 1) return std::nullopt;
          time += std::string(s.substr(0, n));
          s.remove_prefix(n);
        }
      } else {
        time += ":00";  // FHIR wants seconds once there is a time
      }
    }
  }
  if (time.empty()) {
    if (!s.empty()) return std::nullopt;
    return date;  // a date alone is a valid dateTime, and needs no zone
  }
  if (number(time.substr(0, 2)) > 23 || number(time.substr(3, 2)) > 59 || number(time.substr(6, 2)) > 60) {
    return std::nullopt;
  }
  std::string z;
  if (s.empty()) {
    z = std::string(zone);
  } else {
    auto parsed = zone_of(s);
    if (!parsed) return std::nullopt;
    z = *parsed;
  }
  if (z.empty()) return std::nullopt;
  return date + "T" + time + z;
}

}  // namespace medgw::sql

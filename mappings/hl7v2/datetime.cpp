#include "mappings/hl7v2/datetime.hpp"

#include <cstdio>

namespace medgw::hl7v2 {
namespace {

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Expected<DateTime, std::string> parse_datetime(std::string_view text) {
  auto fail = [&](const std::string& why) { return unexpected("date/time '" + std::string(text) + "': " + why); };
  DateTime dt;
  std::string_view s = text;
  std::size_t zone = s.find_first_of("+-");
  if (zone != std::string_view::npos) {
    std::string_view z = s.substr(zone + 1);
    if (z.size() != 4 || !digits(z)) return fail("a time zone is +HHMM or -HHMM");
    int hh = number(z.substr(0, 2));
    int mm = number(z.substr(2, 2));
    if (hh > 14 || mm > 59) return fail("time zone offset out of range");
    dt.offset_minutes = (s[zone] == '-' ? -1 : 1) * (hh * 60 + mm);
    s = s.substr(0, zone);
  }
  std::string_view frac;
  std::size_t point = s.find('.');
  if (point != std::string_view::npos) {
    frac = s.substr(point + 1);
    s = s.substr(0, point);
    if (s.size() != 14) return fail("a fraction of a second needs all of YYYYMMDDHHMMSS before it");
    if (frac.empty() || frac.size() > 9 || !digits(frac)) return fail("the fraction of a second must be 1 to 9 digits");
  }
  if (!digits(s)) return fail(s.empty() ? "empty" : "expected digits");
  switch (s.size()) {
    case 4: dt.precision = DateTimePrecision::kYear; break;
    case 6: dt.precision = DateTimePrecision::kMonth; break;
    case 8: dt.precision = DateTimePrecision::kDay; break;
    case 10: dt.precision = DateTimePrecision::kHour; break;
    case 12: dt.precision = DateTimePrecision::kMinute; break;
    case 14: dt.precision = DateTimePrecision::kSecond; break;
    default: return fail("expected 4, 6, 8, 10, 12 or 14 digits");
  }
  dt.year = number(s.substr(0, 4));
  if (s.size() >= 6) {
    dt.month = number(s.substr(4, 2));
    if (dt.month < 1 || dt.month > 12) return fail("month out of range");
  }
  if (s.size() >= 8) {
    dt.day = number(s.substr(6, 2));
    if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month)) return fail("day out of range for the month");
  }
  if (s.size() >= 10) {
    dt.hour = number(s.substr(8, 2));
    if (dt.hour > 23) return fail("hour out of range");
  }
  if (s.size() >= 12) {
    dt.minute = number(s.substr(10, 2));
    if (dt.minute > 59) return fail("minute out of range");
  }
  if (s.size() >= 14) {
    dt.second = number(s.substr(12, 2));
    if (dt.second > 59) return fail("second out of range");
  }
  if (!frac.empty()) {
    dt.fraction = std::string(frac);
    dt.precision = DateTimePrecision::kFraction;
  }
  if (dt.offset_minutes && dt.precision < DateTimePrecision::kHour) {
    return fail("a time zone needs a time of day");
  }
  return dt;
}

std::string DateTime::to_iso8601(std::optional<int> assumed_offset_minutes) const {
  char buf[64];
  switch (precision) {
    case DateTimePrecision::kYear: std::snprintf(buf, sizeof buf, "%04d", year); return buf;
    case DateTimePrecision::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", year, month); return buf;
    case DateTimePrecision::kDay: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day); return buf;
    default: break;
  }
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second);
  std::string out = buf;
  if (!fraction.empty()) out += "." + fraction;
  std::optional<int> offset = offset_minutes ? offset_minutes : assumed_offset_minutes;
  if (offset) {
    int o = *offset;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", o < 0 ? '-' : '+', (o < 0 ? -o : o) / 60, (o < 0 ? -o : o) % 60);
    out += buf;
  }
  return out;
}

}  // namespace medgw::hl7v2

#include "adapters/crmstore/search_date.hpp"

#include <array>
#include <cstdio>
#include <utility>

#include "adapters/crmstore/timestamp.hpp"

namespace medgw::crmstore::search {
namespace {

constexpr std::array<std::pair<std::string_view, DatePrefix>, 8> kPrefixes{{
    {"eq", DatePrefix::kEq},
    {"ne", DatePrefix::kNe},
    {"gt", DatePrefix::kGt},
    {"ge", DatePrefix::kGe},
    {"lt", DatePrefix::kLt},
    {"le", DatePrefix::kLe},
    {"sa", DatePrefix::kSa},
    {"eb", DatePrefix::kEb},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::string date_text(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()) % 10000,
                static_cast<unsigned>(d.month()) % 100, static_cast<unsigned>(d.day()) % 100);
  return buf;
}

enum class Precision { kYear, kMonth, kDay, kMinute, kSecond, kMillisecond };

}  // namespace

std::optional<DateRange> parse_date_search(std::string_view value, std::chrono::minutes utc_offset, bool date_only) {
  using namespace std::chrono;
  DateRange out;
  if (value.size() >= 2 && !is_digit(value[0])) {
    bool known = false;
    for (const auto& [text, prefix] : kPrefixes) {
      if (value.substr(0, 2) == text) {
        out.prefix = prefix;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    value.remove_prefix(2);
  }
  std::size_t pos = 0;
  const auto y = digits(value, pos, 4);
  if (!y || *y < 1) return std::nullopt;
  int m = 1, d = 1, hour = 0, minute = 0, second = 0, millis = 0;
  Precision precision = Precision::kYear;
  if (pos < value.size()) {
    if (!expect(value, pos, '-')) return std::nullopt;
    const auto mm = digits(value, pos, 2);
    if (!mm) return std::nullopt;
    m = *mm;
    precision = Precision::kMonth;
  }
  if (pos < value.size()) {
    if (!expect(value, pos, '-')) return std::nullopt;
    const auto dd = digits(value, pos, 2);
    if (!dd) return std::nullopt;
    d = *dd;
    precision = Precision::kDay;
  }
  const year_month_day day{year{*y}, month{static_cast<unsigned>(m)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!day.ok()) return std::nullopt;
  std::optional<minutes> zone;
  if (pos < value.size()) {
    if (date_only || !expect(value, pos, 'T')) return std::nullopt;
    const auto hh = digits(value, pos, 2);
    if (!hh || !expect(value, pos, ':')) return std::nullopt;
    const auto mi = digits(value, pos, 2);
    if (!mi || *hh > 23 || *mi > 59) return std::nullopt;
    hour = *hh;
    minute = *mi;
    precision = Precision::kMinute;
    if (pos < value.size() && value[pos] == ':') {
      ++pos;
      const auto ss = digits(value, pos, 2);
      if (!ss || *ss > 59) return std::nullopt;
      second = *ss;
      precision = Precision::kSecond;
      if (pos < value.size() && value[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < value.size() && is_digit(value[pos])) {
          if (pos - start < 3) millis = millis * 10 + (value[pos] - '0');
          ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
        for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
        precision = Precision::kMillisecond;
      }
    }
    if (pos < value.size()) {
      if (value[pos] == 'Z') {
        ++pos;
        zone = minutes{0};
      } else if (value[pos] == '+' || value[pos] == '-') {
        const int sign = value[pos] == '-' ? -1 : 1;
        ++pos;
        const auto zh = digits(value, pos, 2);
        if (!zh || !expect(value, pos, ':')) return std::nullopt;
        const auto zm = digits(value, pos, 2);
        if (!zm || *zh > 14 || *zm > 59) return std::nullopt;
        zone = minutes{sign * (*zh * 60 + *zm)};
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != value.size()) return std::nullopt;

  if (day.year() == year{9999} && (precision != Precision::kDay || (day.month() == December && day.day() == 31d))) {
    return std::nullopt;  // its end would be past the year 9999 the stored form can hold
  }
  if (date_only) {
    year_month_day end = day;
    switch (precision) {
      case Precision::kYear:
        end = day + years{1};
        break;
      case Precision::kMonth:
        end = day + months{1};
        break;
      default:
        end = year_month_day{sys_days{day} + days{1}};
        break;
    }
    out.lo = date_text(day);
    out.hi = date_text(end);
    return out;
  }
  // Local wall time of the start, then its end by precision (calendar arithmetic for years and
  // months), both shifted to UTC by the value's zone or the site's.
  const sys_days start_day{day};
  year_month_day end_day = day;
  if (precision == Precision::kYear) end_day = day + years{1};
  if (precision == Precision::kMonth) end_day = day + months{1};
  if (precision == Precision::kDay) end_day = year_month_day{start_day + days{1}};
  const auto start =
      sys_time<milliseconds>{start_day} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis};
  sys_time<milliseconds> end = start;
  switch (precision) {
    case Precision::kYear:
    case Precision::kMonth:
    case Precision::kDay:
      end = sys_time<milliseconds>{sys_days{end_day}};
      break;
    case Precision::kMinute:
      end = start + minutes{1};
      break;
    case Precision::kSecond:
      end = start + seconds{1};
      break;
    case Precision::kMillisecond:
      end = start + milliseconds{1};
      break;
  }
  const minutes offset = zone.value_or(utc_offset);
  out.lo = utc_timestamp(system_clock::time_point{start - offset});
  out.hi = utc_timestamp(system_clock::time_point{end - offset});
  return out;
}

std::string offset_modifier(std::chrono::minutes utc_offset) {
  return std::to_string(-utc_offset.count()) + " minutes";
}

namespace {

constexpr const char* kInstant = "'%Y-%m-%dT%H:%M:%fZ'";

// A dateTime stored with a zone ("Z", "+08:00") is converted by SQLite; one without is local time.
std::string zone_modifier(const std::string& c, const std::string& offset) {
  return "CASE WHEN " + c + " GLOB '*Z' OR substr(" + c + ", -6, 1) IN ('+', '-') THEN '0 minutes' ELSE " + offset +
         " END";
}

}  // namespace

std::string instant_lo_sql(const std::string& c, const std::string& offset) {
  const std::string f = kInstant;
  return "(CASE length(" + c + ") WHEN 0 THEN NULL WHEN 4 THEN strftime(" + f + ", " + c + " || '-01-01', " + offset +
         ") WHEN 7 THEN strftime(" + f + ", " + c + " || '-01', " + offset + ") WHEN 10 THEN strftime(" + f + ", " + c +
         ", " + offset + ") ELSE strftime(" + f + ", " + c + ", " + zone_modifier(c, offset) + ") END)";
}

std::string instant_hi_sql(const std::string& c, const std::string& offset) {
  const std::string f = kInstant;
  // A dateTime's own precision: to the millisecond, second or minute.
  const std::string step = "CASE WHEN substr(" + c + ", 20, 1) = '.' THEN '+0.001 seconds' WHEN substr(" + c +
                           ", 17, 1) = ':' THEN '+1 seconds' ELSE '+1 minutes' END";
  return "(CASE length(" + c + ") WHEN 0 THEN NULL WHEN 4 THEN strftime(" + f + ", " + c +
         " || '-01-01', '+1 years', " + offset + ") WHEN 7 THEN strftime(" + f + ", " + c + " || '-01', '+1 months', " +
         offset + ") WHEN 10 THEN strftime(" + f + ", " + c + ", '+1 days', " + offset + ") ELSE strftime(" + f + ", " +
         c + ", " + step + ", " + zone_modifier(c, offset) + ") END)";
}

std::string date_lo_sql(const std::string& c) {
  return "(CASE length(" + c + ") WHEN 4 THEN date(" + c + " || '-01-01') WHEN 7 THEN date(" + c +
         " || '-01') WHEN 10 THEN date(" + c + ") END)";
}

std::string date_hi_sql(const std::string& c) {
  return "(CASE length(" + c + ") WHEN 4 THEN date(" + c + " || '-01-01', '+1 years') WHEN 7 THEN date(" + c +
         " || '-01', '+1 months') WHEN 10 THEN date(" + c + ", '+1 days') END)";
}

std::string date_match_sql(DatePrefix prefix, const std::string& lo, const std::string& hi, const std::string& s,
                           const std::string& e) {
  // FHIR R4 search, "date": the search range [s, e) against the stored range [lo, hi).
  const std::string within = "(" + lo + " >= " + s + " AND " + hi + " <= " + e + ")";
  switch (prefix) {
    case DatePrefix::kEq:
      return within;
    case DatePrefix::kNe:
      return "(NOT " + within + ")";
    case DatePrefix::kGt:
      return "(" + hi + " > " + e + ")";
    case DatePrefix::kGe:
      return "(" + hi + " > " + e + " OR " + within + ")";
    case DatePrefix::kLt:
      return "(" + lo + " < " + s + ")";
    case DatePrefix::kLe:
      return "(" + lo + " < " + s + " OR " + within + ")";
    case DatePrefix::kSa:
      return "(" + lo + " >= " + e + ")";
    case DatePrefix::kEb:
      return "(" + hi + " <= " + s + ")";
  }
  return "0";
}

}  // namespace medgw::crmstore::search

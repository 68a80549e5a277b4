#include "mappings/fhir/primitives.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include "mappings/model/fhir_writer.hpp"

namespace medgw::fhir {
namespace {

constexpr std::array<std::string_view, 15> kStringTypes = {
    "string",   "code",         "id",   "uri",      "url",     "canonical", "oid",  "uuid",
    "markdown", "base64Binary", "date", "dateTime", "instant", "time",      "xhtml"};
constexpr std::array<std::string_view, 4> kNumberTypes = {"integer", "positiveInt", "unsignedInt", "decimal"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A cursor over the text for the date/time matchers.
struct Scan {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i == s.size(); }
  bool peek(char c) const { return i < s.size() && s[i] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++i;
    return true;
  }
  // Exactly n digits, their value in `out`.
  bool digits(std::size_t n, int& out) {
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (i >= s.size() || !is_digit(s[i])) return false;
      out = out * 10 + (s[i++] - '0');
    }
    return true;
  }
};

// YYYY, YYYY-MM or YYYY-MM-DD; `full` requires all three. Years 0001-9999, day 1-31.
bool scan_date(Scan& sc, bool full) {
  int y = 0, m = 0, d = 0;
  if (!sc.digits(4, y) || y == 0) return false;
  if (!sc.take('-')) return !full;
  if (!sc.digits(2, m) || m < 1 || m > 12) return false;
  if (!sc.take('-')) return !full;
  return sc.digits(2, d) && d >= 1 && d <= 31;
}

// hh:mm:ss(.fraction)?, 00:00:00 to 23:59:60 (leap second).
bool scan_time(Scan& sc) {
  int h = 0, m = 0, s = 0;
  if (!sc.digits(2, h) || h > 23 || !sc.take(':') || !sc.digits(2, m) || m > 59 || !sc.take(':') || !sc.digits(2, s) ||
      s > 60) {
    return false;
  }
  if (sc.take('.')) {
    if (sc.done() || !is_digit(sc.s[sc.i])) return false;
    while (!sc.done() && is_digit(sc.s[sc.i])) ++sc.i;
  }
  return true;
}

// Z or +hh:mm / -hh:mm, up to +14:00.
bool scan_zone(Scan& sc) {
  if (sc.take('Z')) return true;
  if (!sc.take('+') && !sc.take('-')) return false;
  int h = 0, m = 0;
  if (!sc.digits(2, h) || !sc.take(':') || !sc.digits(2, m) || m > 59) return false;
  return h < 14 || (h == 14 && m == 0);
}

bool valid_date_time(std::string_view s, bool instant) {
  Scan sc{s};
  if (!scan_date(sc, instant)) return false;
  if (sc.done()) return !instant;
  // A time needs the full date and a zone (R4 dateTime regex).
  if (sc.i != 10 || !sc.take('T')) return false;
  return scan_time(sc) && scan_zone(sc) && sc.done();
}

bool valid_code(std::string_view s) {
  // [^\s]+(\s[^\s]+)*: no leading, trailing or doubled whitespace.
  if (s.empty() || is_space(s.front()) || is_space(s.back())) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (is_space(s[i]) && is_space(s[i - 1])) return false;
  }
  return true;
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.')) return false;
  }
  return true;
}

bool valid_uri(std::string_view s) {
  for (char c : s) {
    if (is_space(c)) return false;
  }
  return !s.empty();
}

bool valid_oid(std::string_view s) {
  // urn:oid:[0-2](\.(0|[1-9][0-9]*))+
  constexpr std::string_view kPrefix = "urn:oid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  s.remove_prefix(kPrefix.size());
  if (s.size() < 3 || s[0] < '0' || s[0] > '2') return false;
  std::size_t i = 1;
  int arcs = 0;
  while (i < s.size()) {
    if (s[i] != '.' || i + 1 >= s.size() || !is_digit(s[i + 1])) return false;
    ++i;
    if (s[i] == '0' && i + 1 < s.size() && is_digit(s[i + 1])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
    ++arcs;
  }
  return arcs > 0;
}

bool valid_uuid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.substr(0, kPrefix.size()) != kPrefix || s.size() != kPrefix.size() + 36) return false;
  s.remove_prefix(kPrefix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!is_digit(c) && !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

bool valid_base64(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if (is_space(c)) continue;
    if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '+' || c == '/' || c == '=')) {
      return false;
    }
    ++n;
  }
  return n % 4 == 0;
}

// JSON integer text without fraction or exponent, within [lo, 2^31-1].
bool valid_integer(std::string_view s, std::int64_t lo) {
  std::size_t i = 0;
  const bool minus = i < s.size() && s[i] == '-';
  if (minus) ++i;
  if (i >= s.size() || s.size() - i > 10) return false;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  if (minus) v = -v;
  return v >= lo && v <= 2147483647;
}

}  // namespace

bool is_primitive_type(std::string_view type) {
  for (std::string_view t : kStringTypes) {
    if (t == type) return true;
  }
  for (std::string_view t : kNumberTypes) {
    if (t == type) return true;
  }
  return type == "boolean";
}

JsonKind json_kind(std::string_view type) {
  if (type == "boolean") return JsonKind::kBoolean;
  for (std::string_view t : kNumberTypes) {
    if (t == type) return JsonKind::kNumber;
  }
  return JsonKind::kString;
}

const char* check_primitive(std::string_view type, std::string_view s) {
  if (type == "boolean") return nullptr;
  if (type == "decimal") return model::json::is_valid_decimal(s) ? nullptr : "is not a valid decimal";
  if (type == "integer") return valid_integer(s, -2147483648LL) ? nullptr : "is not a valid integer";
  if (type == "unsignedInt") return valid_integer(s, 0) ? nullptr : "is not a valid unsignedInt";
  if (type == "positiveInt") return valid_integer(s, 1) ? nullptr : "is not a valid positiveInt";
  // Every string primitive: "Strings SHALL NOT be empty".
  if (s.empty()) return "must not be empty (omit the element instead)";
  if (type == "date") return valid_date_time(s, false) && s.size() <= 10 ? nullptr : "is not a valid date";
  if (type == "dateTime") return valid_date_time(s, false) ? nullptr : "is not a valid dateTime";
  if (type == "instant") return valid_date_time(s, true) ? nullptr : "is not a valid instant";
  if (type == "time") {
    Scan sc{s};
    return scan_time(sc) && sc.done() ? nullptr : "is not a valid time";
  }
  if (type == "code") return valid_code(s) ? nullptr : "is not a valid code";
  if (type == "id") return valid_id(s) ? nullptr : "is not a valid id";
  if (type == "uri" || type == "url" || type == "canonical") return valid_uri(s) ? nullptr : "is not a valid uri";
  if (type == "oid") return valid_oid(s) ? nullptr : "is not a valid oid";
  if (type == "uuid") return valid_uuid(s) ? nullptr : "is not a valid uuid";
  if (type == "base64Binary") return valid_base64(s) ? nullptr : "is not valid base64";
  if (type == "xhtml") {
    return s.substr(0, 4) == "<div" ? nullptr : "is not a valid narrative (must be a <div> element)";
  }
  return nullptr;  // string, markdown: [ \r\n\t\S]+, anything not empty
}

}  // namespace medgw::fhir

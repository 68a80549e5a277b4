#include "conformance/primitive_checks.hpp"

#include <cctype>

#include "mappings/hl7v2/datetime.hpp"

namespace medgw::conformance {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// NM: an optional sign, digits with at most one decimal point, nothing else (no exponent, no
// thousands separator, no spaces).
bool is_number(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool digit = false, point = false;
  for (char c : s) {
    if (c == '.') {
      if (point) return false;
      point = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// DT: YYYY[MM[DD]], a real date.
bool is_date(std::string_view s) {
  if (!all_digits(s) || (s.size() != 4 && s.size() != 6 && s.size() != 8)) return false;
  if (s.size() == 4) return true;
  const int y = std::stoi(std::string(s.substr(0, 4)));
  const int m = std::stoi(std::string(s.substr(4, 2)));
  if (m < 1 || m > 12) return false;
  if (s.size() == 6) return true;
  const int d = std::stoi(std::string(s.substr(6, 2)));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int max = m == 2 && leap(y) ? 29 : kDays[m - 1];
  return d >= 1 && d <= max;
}

// TM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ].
bool is_time(std::string_view s) {
  std::string_view zone;
  if (auto p = s.find_first_of("+-"); p != std::string_view::npos) {
    zone = s.substr(p + 1);
    s = s.substr(0, p);
    if (zone.size() != 4 || !all_digits(zone)) return false;
  }
  std::string_view frac;
  if (auto p = s.find('.'); p != std::string_view::npos) {
    frac = s.substr(p + 1);
    s = s.substr(0, p);
    if (s.size() != 6 || frac.empty() || frac.size() > 4 || !all_digits(frac)) return false;
  }
  if (!all_digits(s) || (s.size() != 2 && s.size() != 4 && s.size() != 6)) return false;
  if (std::stoi(std::string(s.substr(0, 2))) > 23) return false;
  if (s.size() >= 4 && std::stoi(std::string(s.substr(2, 2))) > 59) return false;
  if (s.size() == 6 && std::stoi(std::string(s.substr(4, 2))) > 59) return false;
  return true;
}

}  // namespace

bool is_checked_primitive(std::string_view t) {
  return t == "NM" || t == "SI" || t == "DT" || t == "DTM" || t == "TS" || t == "TM" || t == "ID" || t == "IS";
}

std::string check_primitive(std::string_view t, std::string_view v) {
  if (v.empty()) return {};
  if (t == "NM") return is_number(v) ? "" : "NM must be a number: optional sign, digits, at most one decimal point";
  if (t == "SI") return all_digits(v) ? "" : "SI must be a non-negative integer";
  if (t == "DT") return is_date(v) ? "" : "DT must be a real date as YYYY[MM[DD]]";
  if (t == "TM") return is_time(v) ? "" : "TM must be HH[MM[SS[.S...]]][+/-ZZZZ]";
  if (t == "DTM" || t == "TS") {
    auto dt = hl7v2::parse_datetime(v);
    if (dt) return {};
    // The parser's reason starts by quoting the value; the finding shows the value on its own.
    std::string why = dt.error();
    if (auto p = why.find("': "); p != std::string::npos) why.erase(0, p + 3);
    return "DTM must be YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]: " + why;
  }
  if ((t == "ID" || t == "IS") && (v.front() == ' ' || v.back() == ' ')) return "a coded value has no surrounding spaces";
  return {};
}

}  // namespace medgw::conformance

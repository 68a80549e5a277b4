#include "mappings/hl7v2/numeric.hpp"

#include <cstdlib>

namespace medgw::hl7v2 {

Expected<Decimal, std::string> parse_decimal(std::string_view text) {
  auto fail = [&](const char* why) { return unexpected("number '" + std::string(text) + "': " + why); };
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return fail("empty");
  if (s.size() > 64) return fail("too long");
  std::string out;
  if (s.front() == '-' || s.front() == '+') {
    if (s.front() == '-') out.push_back('-');
    s.remove_prefix(1);
  }
  std::size_t point = s.find('.');
  std::string_view whole = s.substr(0, point);
  std::string_view frac = point == std::string_view::npos ? std::string_view{} : s.substr(point + 1);
  if (whole.empty() && frac.empty()) return fail("no digits");
  for (char c : whole) {
    if (c < '0' || c > '9') return fail("expected digits, an optional sign and an optional decimal point");
  }
  for (char c : frac) {
    if (c < '0' || c > '9') return fail("expected digits, an optional sign and an optional decimal point");
  }
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  out += whole.empty() ? "0" : std::string(whole);
  if (point != std::string_view::npos && !frac.empty()) out += "." + std::string(frac);
  if (out == "-0" || out.rfind("-0.", 0) == 0) {
    bool all_zero = out.find_first_not_of("-0.") == std::string::npos;
    if (all_zero) out.erase(0, 1);
  }
  Decimal d;
  d.value = std::strtod(out.c_str(), nullptr);
  d.text = std::move(out);
  return d;
}

Expected<StructuredNumeric, std::string> parse_structured_numeric(const Repetition& v) {
  StructuredNumeric sn;
  sn.comparator = v.component(1).value();
  static constexpr std::string_view kComparators[] = {"", ">", "<", ">=", "<=", "=", "<>"};
  bool known = false;
  for (auto c : kComparators) known |= sn.comparator == c;
  if (!known) return unexpected("SN comparator '" + sn.comparator + "' is not one of > < >= <= = <>");
  if (!v.component(2).empty()) {
    auto n = parse_decimal(v.component(2).value());
    if (!n) return unexpected(n.error());
    sn.num1 = *n;
  }
  sn.separator = v.component(3).value();
  static constexpr std::string_view kSeparators[] = {"", "-", "+", "/", ".", ":"};
  known = false;
  for (auto c : kSeparators) known |= sn.separator == c;
  if (!known) return unexpected("SN separator '" + sn.separator + "' is not one of - + / . :");
  if (!v.component(4).empty()) {
    auto n = parse_decimal(v.component(4).value());
    if (!n) return unexpected(n.error());
    sn.num2 = *n;
  }
  if (!sn.num1 && !sn.num2) return unexpected(std::string("SN without a number"));
  return sn;
}

}  // namespace medgw::hl7v2

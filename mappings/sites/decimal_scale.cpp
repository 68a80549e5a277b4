#include "mappings/sites/decimal_scale.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace medgw::sites {
namespace {

constexpr int kMaxDecimals = 15;
constexpr std::size_t kMaxDigits = 30;

bool is_decimal(std::string_view v) {
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) v.remove_prefix(1);
  std::size_t digits = 0;
  bool dot = false;
  for (char c : v) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && digits <= kMaxDigits;
}

std::string fixed(long double x, int decimals) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*Lf", decimals, x);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.00"
  return s;
}

}  // namespace

int significant_digits(std::string_view value) {
  if (!is_decimal(value)) return 0;
  int count = 0;
  bool leading = true;
  for (char c : value) {
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    ++count;
  }
  return count;
}

std::optional<std::string> scale_decimal(std::string_view value, long double factor) {
  if (!is_decimal(value)) return std::nullopt;
  const std::string text(value);
  const long double x = std::strtold(text.c_str(), nullptr) * factor;
  if (!std::isfinite(x)) return std::nullopt;
  const int sig = significant_digits(value);
  if (sig == 0 || x == 0) return text;  // zero stays zero, with the precision it was sent with
  const int significant = sig;
  const int exponent = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  int decimals = significant - 1 - exponent;
  if (decimals < 0) decimals = 0;
  if (decimals > kMaxDecimals) decimals = kMaxDecimals;
  std::string out = fixed(x, decimals);
  // Rounding may carry into a new leading digit (9.996 -> "10.00"): drop the decimal it added.
  const long double rounded = std::strtold(out.c_str(), nullptr);
  if (decimals > 0 && std::fabs(rounded) >= std::pow(10.0L, exponent + 1)) out = fixed(x, decimals - 1);
  return out;
}

}  // namespace medgw::sites

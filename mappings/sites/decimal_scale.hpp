#pragma once
// Multiplies a FHIR decimal by a unit-conversion factor (126 mg/dL * 0.0555 -> 6.99 mmol/L).
//
// The precision rule. FHIR decimals carry their precision in their text, so the result must be
// written with the precision the measurement has, not the 18 digits long double computes:
//   the result has as many significant digits as the value as sent
// (the textbook rule for multiplying by a constant known at least as precisely; the site writes
// its factor with enough digits). Significant digits are counted on the text: leading zeros do not
// count, trailing zeros do ("90" has 2, "0.050" has 2, "126.0" has 4), so a factor of 1 or 1000
// never adds false precision. The result is written in fixed notation (never an exponent) with no
// more than 15 decimals, rounded to nearest; a result with more integer digits than
// significant ones is written as an integer ("4.5" * 1000 -> "4500", not "4.5e3"). A zero value
// stays as sent.
#include <optional>
#include <string>
#include <string_view>

namespace medgw::sites {

// nullopt when `value` is not a decimal ([+-]digits[.digits], at most 30 digits) or the product is
// not finite.
std::optional<std::string> scale_decimal(std::string_view value, long double factor);

// Significant digits of a decimal's text as the rule above counts them; 0 for a zero value or a
// text that is not a decimal.
int significant_digits(std::string_view value);

}  // namespace medgw::sites

#pragma once
// NM (a decimal as text) and SN (structured numeric: ">10", "1:128", "2-8", "<=0.05").
// Decimals keep their text: FHIR's decimal keeps precision ("5.10" is not "5.1").
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/views.hpp"

namespace medgw::hl7v2 {

struct Decimal {
  std::string text;  // normalised: no '+', no leading zeros before the point ("007.50" -> "7.50")
  double value = 0;
};

// NM: [+|-] digits [. digits]; spaces around are tolerated (senders pad), nothing else is.
Expected<Decimal, std::string> parse_decimal(std::string_view text);

struct StructuredNumeric {
  std::string comparator;            // SN.1: "", ">", "<", ">=", "<=", "=", "<>"
  std::optional<Decimal> num1;       // SN.2
  std::string separator;             // SN.3: "", "-", "+", "/", ".", ":"
  std::optional<Decimal> num2;       // SN.4
};

Expected<StructuredNumeric, std::string> parse_structured_numeric(const Repetition& value);

}  // namespace medgw::hl7v2

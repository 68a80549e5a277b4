#pragma once
// The FHIR R4 primitive types: which JSON kind carries each, and its lexical rule
// (http://hl7.org/fhir/R4/datatypes.html). The rules are hand-written matchers rather than
// std::regex: libstdc++'s regex recurses per character and can exhaust the stack on a long
// hostile string, and these run on every primitive of every request.
#include <string_view>

namespace medgw::fhir {

enum class JsonKind { kString, kBoolean, kNumber };

// True for the R4 primitive type codes (string, code, dateTime, positiveInt, xhtml, ...).
bool is_primitive_type(std::string_view type);

// The JSON kind a primitive is written as (integers and decimals are numbers).
JsonKind json_kind(std::string_view type);

// Checks `text` (a string's content, or a number's text) against the type's rule. Returns nullptr
// when valid, else a short reason without the value ("is not a valid date").
const char* check_primitive(std::string_view type, std::string_view text);

}  // namespace medgw::fhir

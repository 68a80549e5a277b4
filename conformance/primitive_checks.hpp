#pragma once
// Checks of HL7 v2 primitive data types on a decoded value. Each returns "" when the value is
// well-formed, else a sentence saying what the type requires (never quoting the value).
#include <string>
#include <string_view>

namespace medgw::conformance {

// True for the types checked here (NM, SI, DT, DTM, TS, TM, ID, IS); composites and free text
// (ST, TX, FT, ...) have no form of their own.
bool is_checked_primitive(std::string_view datatype);

std::string check_primitive(std::string_view datatype, std::string_view value);

}  // namespace medgw::conformance

#pragma once
// Patient/$match's input (http://hl7.org/fhir/R4/patient-operation-match.html): a Parameters
// resource with
//   resource            1..1  the Patient to match (required; any other type is refused)
//   onlyCertainMatches  0..1  boolean (default false)
//   count               0..1  integer >= 1: at most this many matches (default kDefaultMatchCount;
//                             larger values are lowered to kMaxMatchCount, as _count is)
// Strict, as searches are: an unknown or repeated parameter, or one of the wrong type, is refused
// (400) rather than ignored, so a misspelt onlyCertainMatches cannot widen the answer. A bare
// Patient is refused too: the operation has three parameters, so R4 asks for Parameters.
#include <cstddef>
#include <string>

#include "gateway/core/expected.hpp"

namespace medgw::fhir {

inline constexpr std::size_t kDefaultMatchCount = 10;
inline constexpr std::size_t kMaxMatchCount = 100;

struct MatchRequest {
  std::string patient_json;  // the Patient parameter's resource, as compact JSON
  bool only_certain = false;
  std::size_t count = kDefaultMatchCount;
};

struct MatchRequestError {
  std::string expression;  // FHIRPath of the fault ("Parameters.parameter[1].valueInteger")
  std::string message;     // never a value from the request
};

// `json`: the body in its JSON form (an XML body already converted).
Expected<MatchRequest, MatchRequestError> parse_match_request(std::string_view json);

}  // namespace medgw::fhir

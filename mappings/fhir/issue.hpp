#pragma once
// One finding about a FHIR request: the unit of the validator's and the mapping's answers, and of
// the OperationOutcome a client receives (operation_outcome.hpp).
//
// Diagnostics never carry patient data: they name the element and what is wrong with it ("is not
// a valid date"), never the value, because they end up in logs, dead-letter reasons and responses
// that may be read by people who may not see the record.
#include <string>
#include <vector>

namespace medgw::fhir {

enum class Severity { kFatal, kError, kWarning, kInformation };

const char* to_string(Severity severity);

// FHIR issue-type codes medgw uses (http://hl7.org/fhir/issue-type).
namespace issue_code {
inline constexpr const char* kStructure = "structure";
inline constexpr const char* kRequired = "required";
inline constexpr const char* kValue = "value";
inline constexpr const char* kInvalid = "invalid";
inline constexpr const char* kNotSupported = "not-supported";
inline constexpr const char* kTooCostly = "too-costly";
inline constexpr const char* kInformational = "informational";
}  // namespace issue_code

struct Issue {
  Severity severity = Severity::kError;
  std::string code;         // issue_code::*
  std::string expression;   // FHIRPath of the element, e.g. "Observation.referenceRange[0].low.value"
  std::string diagnostics;  // for a person; never a data value
  bool operator==(const Issue&) const = default;
};

// True when any issue is fatal or an error: the request must be refused.
bool has_errors(const std::vector<Issue>& issues);

}  // namespace medgw::fhir

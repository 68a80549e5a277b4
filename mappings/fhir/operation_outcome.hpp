#pragma once
// The OperationOutcome a FHIR client receives with a 4xx (or a $validate answer): one issue per
// Issue, in order, with severity, code, diagnostics and the FHIRPath expression.
#include <string>
#include <vector>

#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

// Compact FHIR JSON. An empty list gives the one informational issue FHIR requires (issue is 1..*).
std::string operation_outcome_json(const std::vector<Issue>& issues);

}  // namespace medgw::fhir

#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::kFatal:
      return "fatal";
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInformation:
      return "information";
  }
  return "error";
}

bool has_errors(const std::vector<Issue>& issues) {
  for (const Issue& i : issues) {
    if (i.severity == Severity::kFatal || i.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace medgw::fhir

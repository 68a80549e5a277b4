#include "conformance/finding.hpp"

namespace medgw::conformance {

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "error";
}

std::string Location::to_string() const {
  if (segment.empty()) return "message";
  std::string out = segment;
  if (occurrence) out += "[" + std::to_string(occurrence) + "]";
  if (!field) return out;
  out += "-" + std::to_string(field);
  if (repetition) out += "[" + std::to_string(repetition) + "]";
  if (component) out += "." + std::to_string(component);
  if (subcomponent) out += "." + std::to_string(subcomponent);
  return out;
}

std::size_t CaseResult::count(Severity severity) const {
  std::size_t n = 0;
  for (const Finding& f : findings) n += f.severity == severity;
  return n;
}

}  // namespace medgw::conformance

#pragma once
// Why a FHIR write cannot be mapped. The FHIR server answers with it synchronously (before
// enqueueing), the pipeline parks the envelope with it; both from the same map_interaction call.
#include <string>
#include <utility>
#include <vector>

#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

enum class MapErrorKind {
  kInvalid,      // the request is wrong: 400/422 with the issues
  kUnsupported,  // valid FHIR medgw does not take (a type, DELETE, a conditional create)
};

struct MapError {
  MapErrorKind kind = MapErrorKind::kInvalid;
  std::vector<Issue> issues;
};

// Collects the problems of one request, so a client sees all of them at once. An invalid request
// stays invalid whatever else is unsupported in it: the client has to fix it first.
class Problems {
 public:
  void invalid(const char* code, std::string expression, std::string diagnostics) {
    invalid_ = true;
    issues_.push_back({Severity::kError, code, std::move(expression), std::move(diagnostics)});
  }
  void unsupported(std::string expression, std::string diagnostics) {
    issues_.push_back({Severity::kError, issue_code::kNotSupported, std::move(expression), std::move(diagnostics)});
  }
  void add_validation(std::vector<Issue> issues) {
    for (Issue& i : issues) {
      const bool error = i.severity == Severity::kFatal || i.severity == Severity::kError;
      if (error && i.code != issue_code::kNotSupported) invalid_ = true;
      issues_.push_back(std::move(i));
    }
  }
  bool any() const { return has_errors(issues_); }
  MapError error() && { return {invalid_ ? MapErrorKind::kInvalid : MapErrorKind::kUnsupported, std::move(issues_)}; }

 private:
  bool invalid_ = false;
  std::vector<Issue> issues_;
};

}  // namespace medgw::fhir

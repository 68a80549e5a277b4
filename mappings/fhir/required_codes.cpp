#include "mappings/fhir/required_codes.hpp"

#include <array>

namespace medgw::fhir {
namespace {

struct Binding {
  std::string_view type;
  std::string_view element;
  std::string_view codes;  // space-separated: the R4 value set
};

// From the R4 resource definitions (binding strength "required").
constexpr std::array<Binding, 11> kBindings{{
    {"Patient", "gender", "male female other unknown"},
    {"Encounter", "status", "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown"},
    {"Observation", "status", "registered preliminary final amended corrected cancelled entered-in-error unknown"},
    {"DiagnosticReport", "status",
     "registered partial preliminary final amended corrected appended cancelled entered-in-error unknown"},
    {"ServiceRequest", "status", "draft active on-hold revoked completed entered-in-error unknown"},
    {"ServiceRequest", "intent",
     "proposal plan directive order original-order reflex-order filler-order instance-order option"},
    {"ServiceRequest", "priority", "routine urgent asap stat"},
    {"DocumentReference", "status", "current superseded entered-in-error"},
    {"DocumentReference", "docStatus", "preliminary final amended entered-in-error"},
    {"ImagingStudy", "status", "registered available cancelled entered-in-error unknown"},
    {"Bundle", "type",
     "document message transaction transaction-response batch batch-response history searchset collection"},
}};

bool in_set(std::string_view codes, std::string_view value) {
  while (!codes.empty()) {
    const auto space = codes.find(' ');
    if (codes.substr(0, space) == value) return true;
    if (space == std::string_view::npos) break;
    codes.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

void check_required_codes(const JsonDocument& doc, const rapidjson::Value& resource, std::string_view type,
                          const std::string& path, std::vector<Issue>& out) {
  if (!resource.IsObject()) return;
  for (const Binding& b : kBindings) {
    if (b.type != type) continue;
    const auto it = resource.FindMember(rapidjson::StringRef(b.element.data(), b.element.size()));
    if (it == resource.MemberEnd() || !doc.is_string(it->value)) continue;  // absence and types: validate.cpp
    const std::string expression = path + "." + std::string(b.element);
    if (in_set(b.codes, text_of(it->value))) continue;
    bool reported = false;
    for (const Issue& i : out) reported = reported || i.expression == expression;
    if (!reported) {
      out.push_back(Issue{Severity::kError, issue_code::kValue, expression,
                          expression + " must be one of: " + std::string(b.codes)});
    }
  }
}

}  // namespace medgw::fhir

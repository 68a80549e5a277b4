#include "mappings/sites/site_requirements.hpp"

namespace medgw::sites {
namespace {

// True when one of the concept's codings is in a code-map target system.
bool coded_in_target(const SiteProfile& site, const model::CodeableConcept& concept_) {
  for (const auto& c : concept_.coding) {
    if (!c.code.empty() && site.codes.target_systems.count(c.system)) return true;
  }
  return false;
}

std::string describe(std::string_view element, const model::CodeableConcept& concept_) {
  std::string what = std::string(element) + " code";
  if (!concept_.coding.empty()) {
    what += " '" + concept_.coding.front().code + "' (system '" + concept_.coding.front().system + "')";
  }
  return what;
}

}  // namespace

std::optional<std::string> unmet_requirement(const SiteProfile& site, const model::ChangeSet& changes,
                                             std::string_view source_name) {
  const SourceProfile* source = find_source(site, changes.sender, source_name);
  if (source == nullptr || !source->require_code_maps) return std::nullopt;
  const std::string rule = "the site requires mapped codes from " + changes.sender + " (require_code_maps): ";
  for (const auto& r : changes.reports) {
    if (!coded_in_target(site, r.resource.code)) {
      return rule + describe("DiagnosticReport", r.resource.code) + " has no code map entry";
    }
  }
  for (const auto& o : changes.observations) {
    if (!coded_in_target(site, o.resource.code)) {
      return rule + describe("Observation", o.resource.code) + " has no code map entry";
    }
  }
  return std::nullopt;
}

}  // namespace medgw::sites

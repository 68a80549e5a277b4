#pragma once
// What a site demands of a change set before it may enter the archive. Today: a source with
// `require_code_maps: true` wants every Observation and DiagnosticReport code coded in a target
// system of the code maps (LOINC, say). A change set that falls short is parked with the reason
// (the pipeline's job), the operator adds the missing rows to the code map CSV and replays it:
// nothing enters the archive uncoded, nothing is lost.
#include <optional>
#include <string>
#include <string_view>

#include "mappings/model/change_set.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::sites {

// The first unmet requirement, naming the code and its system (never patient data); nullopt when
// the change set may go on. Call after apply_site, which adds the mapped codings.
std::optional<std::string> unmet_requirement(const SiteProfile& site, const model::ChangeSet& changes,
                                             std::string_view source_name);

}  // namespace medgw::sites

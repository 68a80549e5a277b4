#pragma once
// Applies a site profile to a change set the v2 (or FHIR, SQL) mapping produced, before the
// patient is resolved, so the MPI and the CRM store see identifiers, codes and units the same way
// whatever the sender's habits:
// - patient identifiers (the record's and each merge's surviving and prior ones) are retyped by
//   their assigning authority (Identifier.assigner, CX.4.1 as sent; the source's default_assigner
//   when it is empty): system, type coding (v2-0203) and use set as the rule says, value kept;
// - Observation.code, DiagnosticReport.code and ServiceRequest.code are mapped through the code
//   maps: the target coding is put first, the original kept after it;
// - Observation valueQuantity, valueRange and referenceRange low/high are normalised to UCUM and
//   converted where the site says so (unit_normaliser.hpp);
// - ChangeSet.warnings gets one message per unmapped local code, unknown unit or unknown
//   authority, naming the code, unit or authority and never patient data.
// Applying twice changes nothing more than applying once.
#include <string_view>

#include "mappings/model/change_set.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::sites {

void apply_site(const SiteProfile& site, model::ChangeSet& changes);

// The same, with the listener (source) name the message arrived on, for source entries that are
// matched by it.
void apply_site(const SiteProfile& site, model::ChangeSet& changes, std::string_view source_name);

}  // namespace medgw::sites

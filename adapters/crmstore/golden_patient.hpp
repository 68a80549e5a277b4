#pragma once
// The golden patient as the archive shows it, composed from the source records linked to it:
// id = the golden id; every identifier of every record, deduplicated by (system, value); names,
// telecom, address and the other demographics from the most recently updated record (the latest
// word of any sender wins, as in the CRM's own edit semantics); and a link "seealso" to each
// source record ("Patient/src-<n>"), so a reader can see who said what.
#include <cstdint>
#include <string>
#include <vector>

namespace medgw::crmstore {

// `source_records` are FHIR Patient JSON documents, oldest update first. Returns FHIR JSON.
std::string compose_golden_patient(std::int64_t golden_id, const std::vector<std::string>& source_records);

}  // namespace medgw::crmstore

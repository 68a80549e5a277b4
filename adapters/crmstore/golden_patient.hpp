#pragma once
// The golden patient as the archive shows it, composed from the source records linked to it:
// id = the golden id; every identifier of every record, deduplicated by (system, value); name,
// birth date, gender, telecom and address each from the record the survivorship rules choose
// (survivorship.hpp); every other element from the most recently updated record; and a link
// "seealso" to each source record ("Patient/src-<n>"), so a reader can see who said what.
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/crmstore/survivorship.hpp"

namespace medgw::crmstore {

// One source record as composition needs it.
struct SourceRecordDocument {
  std::string json;     // the FHIR Patient stored for it
  std::string sender;   // who sent it (trusted_senders names these)
  std::string updated;  // when its document last changed (UTC timestamp, sorts as text)
};

// `records` in the order they were last written (oldest first): the tie-break among records updated
// at the same instant. Returns FHIR JSON.
std::string compose_golden_patient(std::int64_t golden_id, const std::vector<SourceRecordDocument>& records,
                                   const SurvivorshipRules& rules = {});

}  // namespace medgw::crmstore

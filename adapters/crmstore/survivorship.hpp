#pragma once
// Survivorship: which source record gives the golden patient each of its demographics (issue 7).
// Declared per field in the gateway config (crm_store.survivorship, deploy/medgw.yaml):
//
//   most_recent   the most recently updated source record that has the field (its document last
//                 changed; the latest word of any sender wins, as in the CRM's own edit semantics)
//   most_trusted  the record of the highest-ranked sender in trusted_senders that has the field;
//                 records of unranked senders come after every ranked one; ties by most recent
//
// Fields: name, birth_date (birthDate), gender, telecom, address. Every other element (active,
// deceased, marital status, ...) comes from the most recently updated record, identifiers from
// all of them. A field no record has is absent. The default is most_recent for every field.
//
// The golden patient is composed from its current links whenever it is read (golden_patient.hpp),
// so it is rebuilt by every link, unlink, merge, unmerge and new source record without a second
// copy that could go stale; the rules apply wherever it is read (the archive, the FHIR API, review).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medgw::crmstore {

enum class SurvivorshipRule { kMostRecent, kMostTrusted };

// "most_recent" | "most_trusted"; nullopt for anything else.
std::optional<SurvivorshipRule> parse_survivorship_rule(std::string_view text);
const char* to_string(SurvivorshipRule rule);

struct SurvivorshipRules {
  SurvivorshipRule name = SurvivorshipRule::kMostRecent;
  SurvivorshipRule birth_date = SurvivorshipRule::kMostRecent;
  SurvivorshipRule gender = SurvivorshipRule::kMostRecent;
  SurvivorshipRule telecom = SurvivorshipRule::kMostRecent;
  SurvivorshipRule address = SurvivorshipRule::kMostRecent;
  // Senders as they name themselves (MSH-3^MSH-4, a FHIR or database source's name), most trusted
  // first. Required when any field is most_trusted.
  std::vector<std::string> trusted_senders;
};

}  // namespace medgw::crmstore

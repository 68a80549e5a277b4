#pragma once
// A change set as a FHIR transaction Bundle, for CRMs that take FHIR instead of reading the CRM
// store (the FHIR destination, issue 5).
//
// Idempotent on the receiving server. Every entry is a conditional update, so a redelivery (after
// a crash, a timeout whose answer was lost, a replay) updates what the first delivery created
// instead of adding a copy:
//   - the Patient by its first identifier that has a system (`PUT Patient?identifier=sys|value`),
//     else by its business identifier (below);
//   - every other resource by a business identifier medgw adds to it: system `key_system`, value
//     "<Type>-<hex of SHA-256(sender, type, key)>" — the change set's stable business key (see
//     mappings/model/change_set.hpp), hashed so that no '|' or ',' of a key needs escaping in a
//     search URL.
// References. Inside the Bundle every entry has a `urn:uuid:` fullUrl; references between
// resources of the change set ("Observation/<key>") and to the patient (left empty by the
// mappings) point at those fullUrls, which the server resolves when it applies the transaction.
//
// Not carried: merges (ADT^A40/A34) — a FHIR server has no standard merge in R4's transaction;
// the change set's other resources still go, and `skipped` says what was left out. A subject
// given by identifier (a FHIR write) becomes a conditional reference "Patient?identifier=...".
#include <string>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::fhir {

struct ChangeSetBundleOptions {
  std::string key_system = "urn:medgw:business-key";
};

struct ChangeSetBundle {
  std::string json;  // the transaction Bundle
  std::size_t entries = 0;
  std::vector<std::string> skipped;  // what the Bundle does not carry, for the log (no PHI)
};

// Fails (with a reason, never PHI) only for a change set with nothing a FHIR server could take.
Expected<ChangeSetBundle, std::string> change_set_bundle(const model::ChangeSet& changes,
                                                         const ChangeSetBundleOptions& options = {});

}  // namespace medgw::fhir

#pragma once
// Writes one change set into the CRM store's tables, inside the caller's transaction (a savepoint
// of the batch): resolves the patient through the MPI, performs merges, upserts every resource by
// (sender, key) and writes the outbox events. Knows nothing of batches or idempotency.
//
// References. Within a change set, references are "<Type>/<key>" (change_set.hpp). Every resource
// of the set first gets its row (and so its logical id), then each is rendered with references
// rewritten to "<Type>/<id>": to a resource of the same set, or one the same sender stored before.
// A reference to something never stored is kept as sent (a later message may bring it).
// The subject of every resource is "Patient/<golden id>".
//
// Versions. A resource sent again unchanged changes nothing (and emits no event). A changed
// Observation (a correction: status corrected/amended; or preliminary -> final) replaces the
// current row and the previous version is kept in observation_history; cancelled and
// entered-in-error results are kept, with their status, never deleted.
//
// Every resource row and source record carries a version: 1 when created, one more each time its
// JSON changes; the version it replaces is copied into resource_history first (Observations are
// also still kept in observation_history, which the CLI and the trend code read). The JSON stored
// carries "id" and no "meta" (the API adds meta.versionId/lastUpdated from the version and updated
// columns). The search indexes (search_index.hpp) are rewritten with the row.
//
// FHIR input (change_set.hpp):
// - Keyed::fhir_json set: that JSON is stored instead of the model's serialisation, with id set to
//   the row id, meta removed, subject.reference set to "Patient/<golden>" (added when absent), and
//   every "reference" string anywhere in it rewritten from "<Type>/<key>" to "<Type>/<id>" as
//   above. Elements the model does not know are kept as received. The columns and the search
//   tokens still come from the model resource.
// - ChangeSet::subject instead of a patient ("Patient/" in front is accepted): "<n>" is golden
//   patient n (a merged one stands for the one it was merged into), "src-<n>" source record n's
//   current golden patient, an identifier (system '' = any; a national ID's check digit x read as
//   X) the golden patient of the first current link of a record holding it. Nobody: refused
//   kRefusedUnknownSubject; a patient is never created from a reference. The rows are attached to
//   a source record (they follow it through merges and unlinks): record n for "src-<n>", the
//   record holding the identifier, or the golden patient's lowest-numbered current record.
// - The store moving rows to another golden patient (merge, unlink, undo) rewrites their
//   subject.reference and golden_id but is not a new version: nobody changed what was sent.
// - A row written twice by one change set gets one version: the last write.
// - UpdateTarget: id set updates that row (refused kRefusedNotFound when there is none) and keeps
//   its key; if_match must equal its version (else kRefusedVersionConflict). A Patient target
//   "src-<n>" updates source record n even when the update changes the identifier that keys it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::crmstore::sqlite {

struct WriteOutcome {
  bool refused = false;
  std::string reason;      // why refused, no PHI
  std::string_view code{};  // when refused: one of crm_store.hpp's kRefused*
};

// A retryable DbError aborts the batch; a permanent problem with this change set is a refusal.
// `matcher` judges the candidates of a new patient record (the store's probabilistic matcher).
DbResult<WriteOutcome> write_change_set(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id,
                                        std::chrono::year_month_day today, const mpi::Matcher& matcher);

}  // namespace medgw::crmstore::sqlite

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
#include <chrono>
#include <cstdint>
#include <string>

#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::crmstore::sqlite {

struct WriteOutcome {
  bool refused = false;
  std::string reason;  // why refused, no PHI
};

// A retryable DbError aborts the batch; a permanent problem with this change set is a refusal.
DbResult<WriteOutcome> write_change_set(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id,
                                        std::chrono::year_month_day today);

}  // namespace medgw::crmstore::sqlite

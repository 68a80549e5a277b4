#pragma once
// The patient index's operations (mappings/mpi/operation.hpp) on the CRM store's tables, each
// written to the operations log (mpi_operations, schema.cpp migration 5) with who, why and what it
// changed, so it can be undone exactly. Like SqliteIndexStore, these run inside the caller's
// transaction and never begin or commit one: SqliteCrmStore wraps each in one (the CLI and the
// admin API), the change set writer runs the automatic ones (ADT^A40, FHIR Patient.link) inside
// the change set's.
//
// Refusals (an unknown id, a merged patient, an operation undone already, links changed since)
// are DbErrors with retryable = false and a message naming ids, never PHI.
//
// Review tasks: an operation answers the open tasks it settles and closes them (a link or unlink:
// the record's probable-match and identifier-conflict tasks; a merge or distinct mark: the
// probable-match, identifier-conflict and see-also tasks pairing its two golden patients). Its
// undo opens them again.
//
// Outbox events for the CRM: patients-merged / merge-undone (as before), and links-changed
// (golden_id = where the record is now, resource Patient <the golden patient it left>) for a
// link, unlink or their undo, so a CRM showing either patient refreshes it.
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/operation.hpp"

namespace medgw::crmstore::sqlite {

struct OperationResult {
  mpi::OperationId operation = 0;
  std::string kind;                    // mpi::kOperation*
  std::int64_t source_record = 0;      // link, unlink and their undo
  mpi::GoldenId golden = 0;            // link/unlink: the record's golden patient now; merge: the
                                       // survivor; distinct: the lower id
  mpi::GoldenId other_golden = 0;      // link/unlink: the one it left; merge: the merged one;
                                       // distinct: the higher id
  mpi::MergeId merge = 0;              // merge, unmerge
  mpi::OperationId undid = 0;          // undo/unmerge: the operation undone (0: a merge older than the log)
  std::vector<std::int64_t> review_tasks;  // closed by it (opened again, for an undo)
};

// One row of the log.
struct OperationRow {
  mpi::OperationId id = 0;
  std::string kind;
  std::string actor;
  bool automatic = false;
  std::string reason;
  std::string at;
  std::int64_t source_record = 0;  // 0: none
  mpi::GoldenId golden = 0;
  mpi::GoldenId other_golden = 0;
  mpi::MergeId merge = 0;
  std::string review_tasks;  // JSON array of ids
  mpi::OperationId undoes = 0;
  mpi::OperationId undone_by = 0;
};

DbResult<OperationResult> link_record(Db& db, mpi::SourceRecordId record, mpi::GoldenId golden,
                                      const mpi::Actor& actor);
DbResult<OperationResult> unlink_record(Db& db, mpi::SourceRecordId record, const mpi::Actor& actor);
// `from` is merged into `into` (the machinery of ADT^A40, SqliteIndexStore::record_merge). Refused
// for a merged patient, one without records, or a pair marked distinct.
DbResult<OperationResult> merge_goldens(Db& db, mpi::GoldenId from, mpi::GoldenId into, const mpi::Actor& actor);
DbResult<OperationResult> unmerge(Db& db, mpi::MergeId merge, const mpi::Actor& actor);
DbResult<OperationResult> mark_distinct(Db& db, mpi::GoldenId a, mpi::GoldenId b, const mpi::Actor& actor);
// Undoes a link, unlink, merge (an unmerge) or distinct mark. An undo or unmerge is not undone:
// the operation is made again instead.
DbResult<OperationResult> undo_operation(Db& db, mpi::OperationId operation, const mpi::Actor& actor);

// Logs a merge already made by mpi::merge (ADT^A40/A34, FHIR replaced-by) and closes the review
// tasks it settles.
DbResult<OperationResult> log_merge(Db& db, mpi::MergeId merge, mpi::GoldenId from, mpi::GoldenId into,
                                    const mpi::Actor& actor);

// The log of one golden patient: every operation naming it (as either patient), oldest first.
DbResult<std::vector<OperationRow>> operations_of_golden(Db& db, mpi::GoldenId golden);

}  // namespace medgw::crmstore::sqlite

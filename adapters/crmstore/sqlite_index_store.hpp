#pragma once
// The patient index's storage (mappings/mpi/index_store.hpp) on the CRM store's SQLite connection.
// It runs inside the transaction of the batch being applied and never begins or commits one
// itself, so a change set's links and its resources commit together.
//
// When a source record's current link changes (link, merge, undo), every clinical row of that
// record follows: its golden_id column and the subject reference in its JSON are rewritten, so
// the archive and the trend index always show the current golden patient. That is the store
// keeping its own pointers current, not a change by a sender: the rows' versions do not change.
//
// Source records (FHIR Patient "src-<n>"). The stored document is the Patient as sent (the model
// serialised, or the FHIR JSON received) with id "src-<n>", without meta (the API adds versionId
// and lastUpdated from the version and updated columns) and without link (the links table is the
// truth; the API adds link "refer" to the golden patient). version is 1 when created and grows by
// one each time the document changes (the replaced one is kept in resource_history as resource
// type "Patient", resource id <n>); a record sent again unchanged keeps its version and updated
// time. Its search rows (search_index.hpp), comparison values and blocking keys are rewritten with it.
#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore::sqlite {

class SqliteIndexStore final : public mpi::IndexStore {
 public:
  // `envelope_id`: the envelope whose change set is being applied (0: none), recorded with each
  // source record version.
  explicit SqliteIndexStore(Db& db, std::int64_t envelope_id = 0) : db_(db), envelope_(envelope_id) {}

  mpi::MpiResult<std::optional<mpi::SourceLink>> find_source_record(std::string_view sender,
                                                                    const mpi::IdentifierKey& key) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_identifier(const mpi::IdentifierKey& id) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_demographic_key(std::string_view key, std::size_t limit) override;
  mpi::MpiResult<std::vector<mpi::BlockedRecord>> records_with_blocking_key(std::string_view key,
                                                                           std::size_t limit) override;
  mpi::MpiResult<std::vector<mpi::IdentifierKey>> identifiers_of_golden(mpi::GoldenId golden) override;
  mpi::MpiResult<mpi::GoldenId> create_golden() override;
  mpi::MpiResult<mpi::SourceRecordId> upsert_source_record(const mpi::SourceRecordData& record) override;
  mpi::MpiResult<mpi::Done> link(mpi::SourceRecordId record, mpi::GoldenId golden, mpi::LinkGrade grade,
                                 std::string_view reason) override;
  mpi::MpiResult<mpi::ReviewTaskId> open_review_task(const mpi::ReviewTask& task) override;
  mpi::MpiResult<mpi::MergeId> record_merge(mpi::GoldenId from, mpi::GoldenId into, std::string_view reason) override;
  mpi::MpiResult<mpi::Done> undo_merge(mpi::MergeId merge) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> distinct_goldens(mpi::GoldenId golden) override;

  // For undoing an operator's link (index_operations.hpp): `made` (the record's current link) is
  // marked undone and `replaced` (a link of the same record) is current again, and the record's
  // clinical rows follow it.
  mpi::MpiResult<mpi::Done> restore_link(mpi::SourceRecordId record, std::int64_t made, std::int64_t replaced);

 private:
  // Points every clinical row of `record` at `golden`.
  DbResult<Ok> retarget(mpi::SourceRecordId record, mpi::GoldenId golden);
  DbResult<std::vector<mpi::GoldenId>> goldens(std::string_view sql, std::string_view what,
                                               std::string_view a, std::string_view b);
  Db& db_;
  std::int64_t envelope_;
};

// A DbError as the index reports it.
mpi::MpiError to_mpi_error(const DbError& e);

}  // namespace medgw::crmstore::sqlite

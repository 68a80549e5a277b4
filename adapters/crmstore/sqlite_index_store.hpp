#pragma once
// The patient index's storage (mappings/mpi/index_store.hpp) on the CRM store's SQLite connection.
// It runs inside the transaction of the batch being applied and never begins or commits one
// itself, so a change set's links and its resources commit together.
//
// When a source record's current link changes (link, merge, undo), every clinical row of that
// record follows: its golden_id column and the subject reference in its JSON are rewritten, so
// the archive and the trend index always show the current golden patient.
#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore::sqlite {

class SqliteIndexStore final : public mpi::IndexStore {
 public:
  explicit SqliteIndexStore(Db& db) : db_(db) {}

  mpi::MpiResult<std::optional<mpi::SourceLink>> find_source_record(std::string_view sender,
                                                                    const mpi::IdentifierKey& key) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_identifier(const mpi::IdentifierKey& id) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_demographic_key(std::string_view key, std::size_t limit) override;
  mpi::MpiResult<std::vector<mpi::IdentifierKey>> identifiers_of_golden(mpi::GoldenId golden) override;
  mpi::MpiResult<mpi::GoldenId> create_golden() override;
  mpi::MpiResult<mpi::SourceRecordId> upsert_source_record(const mpi::SourceRecordData& record) override;
  mpi::MpiResult<mpi::Done> link(mpi::SourceRecordId record, mpi::GoldenId golden, mpi::LinkGrade grade,
                                 std::string_view reason) override;
  mpi::MpiResult<mpi::ReviewTaskId> open_review_task(const mpi::ReviewTask& task) override;
  mpi::MpiResult<mpi::MergeId> record_merge(mpi::GoldenId from, mpi::GoldenId into, std::string_view reason) override;
  mpi::MpiResult<mpi::Done> undo_merge(mpi::MergeId merge) override;

 private:
  // Points every clinical row of `record` at `golden`.
  DbResult<Ok> retarget(mpi::SourceRecordId record, mpi::GoldenId golden);
  DbResult<std::vector<mpi::GoldenId>> goldens(std::string_view sql, std::string_view what,
                                               std::string_view a, std::string_view b);
  Db& db_;
};

// A DbError as the index reports it.
mpi::MpiError to_mpi_error(const DbError& e);

}  // namespace medgw::crmstore::sqlite

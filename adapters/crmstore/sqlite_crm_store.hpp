#pragma once
// The embedded CRM store: one SQLite file (DESIGN.md, "The path of one message", step 4).
//
// Durability: WAL with synchronous=FULL, so a committed batch survives power loss and the queue
// may ack its envelopes right after apply() returns; one batch = one transaction = one fsync.
// Idempotency: applied_envelopes records every applied envelope id in the same transaction as its
// changes; a redelivered envelope answers kAlreadyApplied and changes nothing.
// Isolation of bad input: each item runs in its own SAVEPOINT; a refused item rolls back only
// itself. A busy or failing disk rolls back the whole batch and is reported retryable.
//
// Besides the CrmStore interface, the operator CLI gets: the list of merges and undo_merge, unlink,
// review tasks and the outbox (events for the CRM after a sequence number). One connection, guarded
// by a mutex: calls may come from any thread, one at a time.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/crmstore/crm_store.hpp"
#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/mpi/match_features.hpp"
#include "mappings/mpi/match_model.hpp"
#include "mappings/mpi/probabilistic_matcher.hpp"

namespace medgw::crmstore {

struct ReviewTaskRow {
  std::int64_t id = 0;
  std::string kind;  // mpi::kReview*
  std::int64_t source_record = 0;
  std::int64_t golden = 0;
  std::string other_goldens;  // JSON array of golden ids
  std::string reason;
  std::string status;  // open | closed
  std::string created;
};

// One ADT^A40/A34 merge: `from` was merged into `into`; `moved_links` source records followed.
struct MergeRow {
  std::int64_t id = 0;
  std::int64_t from_golden = 0;
  std::int64_t into_golden = 0;
  std::string reason;  // never PHI
  std::string created;
  std::string undone;  // when it was undone; empty while it stands
  std::int64_t moved_links = 0;
};

// What an operator's unlink did: the record left `previous_golden` for the new `golden`, and the
// probable-match review tasks of that record it answered were closed.
struct UnlinkOutcome {
  std::int64_t source_record = 0;
  std::int64_t previous_golden = 0;
  std::int64_t golden = 0;
  std::vector<std::int64_t> closed_review_tasks;
};

// kind: new-report | report-updated | abnormal-result | patients-merged | merge-undone.
struct OutboxEvent {
  std::int64_t seq = 0;  // strictly increasing, never reused
  std::string kind;
  std::int64_t golden = 0;
  std::string resource_type;  // DiagnosticReport, Observation, Patient (the merged golden id)
  std::int64_t resource_id = 0;
  std::uint64_t envelope_id = 0;
  std::string created;
};

// A source record's current link, for measuring the index (medgw mpi evaluate).
struct SourceRecordLink {
  std::int64_t source_record = 0;
  std::string sender;
  std::string key_value;  // the value of the identifier naming the record
  std::int64_t golden = 0;
  std::string grade;
};

class SqliteCrmStore final : public CrmStore {
 public:
  // Creates the file and its parent directories, sets the pragmas and migrates the schema.
  static Expected<std::unique_ptr<SqliteCrmStore>, std::string> open(const std::string& path);

  Expected<std::vector<ApplyResult>, StoreError> apply(std::span<const ChangeItem> batch) override;
  Expected<std::optional<std::string>, StoreError> archive_bundle(std::string_view system,
                                                                   std::string_view value) override;

  // Restores the links a merge moved (mpi::undo_merge); refused when they changed since.
  Expected<sqlite::Ok, StoreError> undo_merge(std::int64_t merge_id);
  // Moves a source record to a new golden patient of its own; returns its id. Refused (not
  // retryable) for an unknown record, or one that is already the only record of its golden patient
  // (there is nothing to separate it from). Closes the record's open probable-match review tasks:
  // the unlink is the operator's answer to them.
  Expected<std::int64_t, StoreError> unlink(std::int64_t source_record_id);
  Expected<UnlinkOutcome, StoreError> unlink_record(std::int64_t source_record_id);
  // Every merge, oldest first, undone ones included.
  Expected<std::vector<MergeRow>, StoreError> list_merges();
  // The merges that involved a golden patient a record holding identifier (system, value) — any
  // system when `system` is empty — was ever linked to: so the prior MRN of an A40 finds its merge
  // both before and after an undo. nullopt when no source record holds the identifier.
  Expected<std::optional<std::vector<MergeRow>>, StoreError> list_merges(std::string_view system,
                                                                         std::string_view value);
  Expected<std::vector<ReviewTaskRow>, StoreError> list_review_tasks(bool open_only = true);
  Expected<std::vector<OutboxEvent>, StoreError> outbox_after(std::int64_t seq, std::size_t limit = 1000);

  // The match model the resolver uses: the highest stored version, else the built-in default
  // (mpi::default_match_model). Which one is logged when the store opens (event mpi_match_model).
  const mpi::MatchModel& match_model() const { return matcher_->model(); }
  // Stores `model` as the next version and uses it from the next batch on; returns the version.
  Expected<std::int64_t, StoreError> save_match_model(mpi::MatchModel model);
  // The comparison values of every source record that has them (for training), in id order.
  Expected<std::vector<mpi::MatchFeatures>, StoreError> match_features_of_records();
  // Every source record with its current link, in id order.
  Expected<std::vector<SourceRecordLink>, StoreError> source_record_links();

  // The date national IDs are checked against; the system clock's UTC date unless set (tests).
  void set_today(std::function<std::chrono::year_month_day()> today) { today_ = std::move(today); }

 private:
  explicit SqliteCrmStore(sqlite::DbPtr db, std::unique_ptr<mpi::ProbabilisticMatcher> matcher)
      : db_(std::move(db)), matcher_(std::move(matcher)) {}
  std::chrono::year_month_day today() const;
  // One pass over a batch in one transaction. Without savepoints, a refused change set rolls the
  // pass back and sets `refused`, so apply() runs the batch again with them.
  Expected<std::vector<ApplyResult>, StoreError> apply_batch(std::span<const ChangeItem> batch, bool savepoints,
                                                             bool& refused);
  Expected<sqlite::Ok, StoreError> begin();
  Expected<sqlite::Ok, StoreError> commit();
  void rollback();

  std::mutex mu_;
  sqlite::DbPtr db_;
  std::unique_ptr<mpi::ProbabilisticMatcher> matcher_;
  std::function<std::chrono::year_month_day()> today_;
};

Expected<CrmStorePtr, std::string> open_sqlite_crm_store(const std::string& path);

}  // namespace medgw::crmstore

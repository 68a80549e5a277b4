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
// Besides the CrmStore interface, the operator CLI and the admin API get: the list of merges, the
// patient index's operations (link, unlink, merge, unmerge, distinct, undo) and their log, review
// tasks and the outbox (events for the CRM after a sequence number). One connection, guarded
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
#include "adapters/crmstore/index_operations.hpp"
#include "adapters/crmstore/sqlite_db.hpp"
#include "adapters/crmstore/survivorship.hpp"
#include "mappings/mpi/match_features.hpp"
#include "mappings/mpi/match_model.hpp"
#include "mappings/mpi/operation.hpp"
#include "mappings/mpi/probabilistic_matcher.hpp"

namespace medgw::crmstore {

using sqlite::OperationResult;
using sqlite::OperationRow;

struct ReviewTaskRow {
  std::int64_t id = 0;
  std::string kind;  // mpi::kReview*
  std::int64_t source_record = 0;
  std::int64_t golden = 0;
  std::string other_goldens;  // JSON array of golden ids
  std::string reason;
  std::string status;  // open | closed
  std::string created;
  std::string field_scores;  // JSON object, empty when the task has none
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

// kind: new-report | report-updated | abnormal-result | patients-merged | merge-undone |
// links-changed (index_operations.hpp).
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
  // `survivorship`: how the golden patient is composed (survivorship.hpp).
  static Expected<std::unique_ptr<SqliteCrmStore>, std::string> open(const std::string& path,
                                                                    SurvivorshipRules survivorship = {});

  Expected<std::vector<ApplyResult>, StoreError> apply(std::span<const ChangeItem> batch) override;
  Expected<std::optional<std::string>, StoreError> archive_bundle(std::string_view system,
                                                                   std::string_view value) override;

  // The patient index's operations (index_operations.hpp), each in its own transaction and logged
  // with who and why. Refusals are not retryable and say what to do instead.
  // Restores exactly the links a merge moved; refused when one of them changed since.
  Expected<OperationResult, StoreError> unmerge(std::int64_t merge_id, const mpi::Actor& actor);
  // Moves a source record to a new golden patient of its own. Refused for an unknown record, or one
  // that is already the only record of its golden patient (there is nothing to separate it from).
  // Closes the record's open probable-match and identifier-conflict review tasks: the unlink is the
  // operator's answer to them.
  Expected<OperationResult, StoreError> unlink_record(std::int64_t source_record_id, const mpi::Actor& actor);
  Expected<OperationResult, StoreError> link_record(std::int64_t source_record_id, std::int64_t golden,
                                                    const mpi::Actor& actor);
  Expected<OperationResult, StoreError> merge_goldens(std::int64_t from, std::int64_t into, const mpi::Actor& actor);
  Expected<OperationResult, StoreError> mark_distinct(std::int64_t a, std::int64_t b, const mpi::Actor& actor);
  Expected<OperationResult, StoreError> undo_operation(std::int64_t operation, const mpi::Actor& actor);
  // The operations log of a golden patient, oldest first.
  Expected<std::vector<OperationRow>, StoreError> operations_of_golden(std::int64_t golden);
  // Every merge, oldest first, undone ones included.
  Expected<std::vector<MergeRow>, StoreError> list_merges();
  // The merges that involved a golden patient a record holding identifier (system, value) — any
  // system when `system` is empty — was ever linked to: so the prior MRN of an A40 finds its merge
  // both before and after an undo. nullopt when no source record holds the identifier.
  Expected<std::optional<std::vector<MergeRow>>, StoreError> list_merges(std::string_view system,
                                                                         std::string_view value);
  Expected<std::vector<ReviewTaskRow>, StoreError> list_review_tasks(bool open_only = true);
  // What a reviewer compares (`medgw mpi review`): a source record as stored, and a golden patient
  // as the archive shows it (composed by the survivorship rules). A merged golden patient is
  // answered by its survivor (`id` says which). nullopt when unknown.
  struct PatientView {
    std::int64_t id = 0;
    std::string sender;  // source records only
    std::string json;    // FHIR Patient
  };
  Expected<std::optional<PatientView>, StoreError> source_record_view(std::int64_t source_record_id);
  Expected<std::optional<PatientView>, StoreError> golden_view(std::int64_t golden);
  // Review tasks (open ones, or all), each with its source record and golden patient.
  // `candidates`: the other golden patients the task names (other_goldens), as the archive shows
  // them; a probable match is judged by its record beside them, not beside its own new patient.
  struct ReviewView {
    ReviewTaskRow task;
    std::optional<PatientView> record, golden;
    std::vector<PatientView> candidates;
  };
  Expected<std::vector<ReviewView>, StoreError> review_views(bool open_only = true);
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
  SqliteCrmStore(sqlite::DbPtr db, SurvivorshipRules survivorship, std::unique_ptr<mpi::ProbabilisticMatcher> matcher)
      : db_(std::move(db)), survivorship_(std::move(survivorship)), matcher_(std::move(matcher)) {}
  std::chrono::year_month_day today() const;
  // One pass over a batch in one transaction. Without savepoints, a refused change set rolls the
  // pass back and sets `refused`, so apply() runs the batch again with them.
  Expected<std::vector<ApplyResult>, StoreError> apply_batch(std::span<const ChangeItem> batch, bool savepoints,
                                                             bool& refused);
  Expected<sqlite::Ok, StoreError> begin();
  Expected<sqlite::Ok, StoreError> commit();
  void rollback();
  // Runs `op` (an index operation) in its own transaction: committed when it succeeds.
  template <class Op>
  Expected<OperationResult, StoreError> operation(Op op);

  std::mutex mu_;
  sqlite::DbPtr db_;
  SurvivorshipRules survivorship_;
  std::unique_ptr<mpi::ProbabilisticMatcher> matcher_;
  std::function<std::chrono::year_month_day()> today_;
};

Expected<CrmStorePtr, std::string> open_sqlite_crm_store(const std::string& path, SurvivorshipRules survivorship = {});

}  // namespace medgw::crmstore

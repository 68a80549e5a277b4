#include "adapters/crmstore/sqlite_crm_store.hpp"

#include <exception>
#include <filesystem>

#include "adapters/crmstore/change_set_writer.hpp"
#include "adapters/crmstore/golden_patient.hpp"
#include "adapters/crmstore/golden_records.hpp"
#include "adapters/crmstore/index_json.hpp"
#include "adapters/crmstore/match_model_store.hpp"
#include "adapters/crmstore/schema.hpp"
#include "adapters/crmstore/timestamp.hpp"
#include "mappings/model/fhir_json.hpp"
#include "gateway/core/log.hpp"
#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/merge.hpp"
#include "mappings/mpi/traditional_folder.hpp"

namespace medgw::crmstore {

using sqlite::DbError;
using sqlite::DbResult;
using sqlite::Ok;

namespace {

StoreError to_store_error(const DbError& e) { return StoreError{e.message, e.retryable}; }

// Tables of clinical rows, in the order the archive lists them.
constexpr const char* kArchiveSql[] = {
    "SELECT resource FROM encounters WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
    "SELECT resource FROM orders WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
    "SELECT resource FROM imaging_studies WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
    "SELECT resource FROM reports WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
    "SELECT resource FROM observations WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
    "SELECT resource FROM documents WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
};

}  // namespace

Expected<std::unique_ptr<SqliteCrmStore>, std::string> SqliteCrmStore::open(const std::string& path,
                                                                            SurvivorshipRules survivorship) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return unexpected("crm store: cannot create the directory of " + path + ": " + ec.message());
  }
  auto db = sqlite::Db::open(path);
  if (!db) return unexpected("crm store " + path + ": " + db.error().message);
  // WAL: readers (the CRM, the archive API) never block the writer. synchronous=FULL: a commit is
  // on disk when it returns, so an ack after apply() cannot be lost. busy_timeout: another process
  // holding the write lock (a CLI) makes us wait, not fail, up to 5 s; then the batch is retried.
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
                             "PRAGMA busy_timeout = 5000",
                             // 64 MiB of page cache (the default is 2 MiB): the index lookups of
                             // every change set would otherwise re-read pages through the kernel.
                             "PRAGMA cache_size = -65536",
                             // The savepoint of each change set keeps the original of every page it
                             // touches in a statement journal; in memory (a few pages per change
                             // set) instead of a temp file, that costs no write() per page.
                             "PRAGMA temp_store = MEMORY"}) {
    if (auto r = (*db)->exec(pragma, "configure"); !r) return unexpected("crm store " + path + ": " + r.error().message);
  }
  if (auto v = sqlite::migrate(**db); !v) return unexpected("crm store " + path + ": " + v.error().message);
  // The matcher folds traditional Chinese names with OpenCC's data (libopencc-data): load it now,
  // so a machine without it fails here with a clear message rather than on the first patient.
  try {
    (void)mpi::default_traditional_folder();
  } catch (const std::exception& e) {
    return unexpected("crm store " + path + ": the patient index cannot fold Chinese names: " + e.what());
  }
  auto stored = sqlite::latest_match_model(**db);
  if (!stored) return unexpected("crm store " + path + ": " + stored.error().message);
  mpi::MatchModel model = mpi::default_match_model();
  if (*stored) {
    auto parsed = mpi::match_model_from_json((*stored)->json);
    // A stored model that does not read is a broken deployment, not something to guess around.
    if (!parsed) {
      return unexpected("crm store " + path + ": match model version " + std::to_string((*stored)->version) + ": " +
                        parsed.error());
    }
    model = std::move(*parsed);
    model.version = (*stored)->version;
    log::info("mpi_match_model", {{"source", "stored"}, {"version", model.version},
                                  {"link_threshold", model.link_threshold},
                                  {"review_threshold", model.review_threshold}});
  } else {
    log::info("mpi_match_model", {{"source", "built-in default"}, {"version", std::int64_t{0}},
                                  {"link_threshold", model.link_threshold},
                                  {"review_threshold", model.review_threshold}});
  }
  return std::unique_ptr<SqliteCrmStore>(
      new SqliteCrmStore(std::move(*db), std::move(survivorship), std::make_unique<mpi::ProbabilisticMatcher>(std::move(model))));
}

Expected<CrmStorePtr, std::string> open_sqlite_crm_store(const std::string& path, SurvivorshipRules survivorship) {
  auto store = SqliteCrmStore::open(path, std::move(survivorship));
  if (!store) return unexpected(store.error());
  return CrmStorePtr(std::move(*store));
}

std::chrono::year_month_day SqliteCrmStore::today() const {
  if (today_) return today_();
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}

Expected<Ok, StoreError> SqliteCrmStore::begin() {
  // IMMEDIATE takes the write lock now, so a busy database fails here, before any work.
  if (auto r = db_->exec("BEGIN IMMEDIATE", "begin transaction"); !r) return unexpected(to_store_error(r.error()));
  return Ok{};
}

Expected<Ok, StoreError> SqliteCrmStore::commit() {
  if (auto r = db_->exec("COMMIT", "commit"); !r) {
    rollback();
    return unexpected(to_store_error(r.error()));
  }
  return Ok{};
}

void SqliteCrmStore::rollback() { (void)db_->exec("ROLLBACK", "rollback"); }

Expected<std::vector<ApplyResult>, StoreError> SqliteCrmStore::apply(std::span<const ChangeItem> batch) {
  std::lock_guard lock(mu_);
  // Almost every batch applies whole. So it is first written without a savepoint per change set
  // (a savepoint journals every page its change set touches: a third of the writer's time); only
  // when a change set is refused is the transaction rolled back and the batch written again with
  // savepoints, so the refused one is undone alone. Resolution is deterministic given the
  // database, so the second pass decides exactly as the first.
  bool refused = false;
  auto fast = apply_batch(batch, /*savepoints=*/false, refused);
  if (!refused) return fast;
  return apply_batch(batch, /*savepoints=*/true, refused);
}

Expected<std::vector<ApplyResult>, StoreError> SqliteCrmStore::apply_batch(std::span<const ChangeItem> batch,
                                                                         bool savepoints, bool& refused) {
  if (auto r = begin(); !r) return unexpected(r.error());
  const auto day = today();
  std::vector<ApplyResult> results;
  results.reserve(batch.size());
  auto abort = [&](StoreError e) -> Expected<std::vector<ApplyResult>, StoreError> {
    rollback();
    return unexpected(std::move(e));
  };
  auto exec = [&](const char* sql, std::string_view what) -> Expected<Ok, StoreError> {
    if (!savepoints) return Ok{};
    if (auto r = db_->exec(sql, what); !r) return unexpected(to_store_error(r.error()));
    return Ok{};
  };
  for (const ChangeItem& item : batch) {
    if (auto r = exec("SAVEPOINT item", "begin item"); !r) return abort(r.error());
    auto refuse = [&](std::string reason, std::string_view code) -> Expected<Ok, StoreError> {
      if (!savepoints) {
        refused = true;  // the caller runs the batch again with savepoints
        return unexpected(StoreError{"a change set was refused: the batch is applied again with savepoints", true});
      }
      if (auto r = exec("ROLLBACK TO item", "roll back item"); !r) return r;
      if (auto r = exec("RELEASE item", "release item"); !r) return r;
      results.push_back({ApplyStatus::kRefused, std::move(reason), code});
      return Ok{};
    };
    // Envelope id 0 is "no envelope" (a tool applying by hand): never deduplicated.
    if (item.envelope_id != 0) {
      auto q = db_->query("SELECT 1 FROM applied_envelopes WHERE envelope_id = ?1", "check envelope");
      if (!q) return abort(to_store_error(q.error()));
      auto seen = q->bind(1, static_cast<std::int64_t>(item.envelope_id)).single_int64();
      if (!seen) return abort(to_store_error(seen.error()));
      if (*seen) {
        if (auto r = exec("RELEASE item", "release item"); !r) return abort(r.error());
        results.push_back({ApplyStatus::kAlreadyApplied, {}, {}});
        continue;
      }
    }
    if (item.changes == nullptr) {
      if (auto r = refuse("no change set", kRefusedInvalid); !r) return abort(r.error());
      continue;
    }
    auto written = sqlite::write_change_set(*db_, *item.changes, item.envelope_id, day, *matcher_);
    if (!written) {
      if (written.error().retryable) return abort(to_store_error(written.error()));
      if (auto r = refuse(written.error().message, kRefusedInvalid); !r) return abort(r.error());
      continue;
    }
    if (written->refused) {
      if (auto r = refuse(written->reason, written->code.empty() ? kRefusedInvalid : written->code); !r) {
        return abort(r.error());
      }
      continue;
    }
    if (item.envelope_id != 0) {
      auto q = db_->query("INSERT INTO applied_envelopes (envelope_id, applied) VALUES (?1, ?2)", "record envelope");
      if (!q) return abort(to_store_error(q.error()));
      if (auto r = q->bind(1, static_cast<std::int64_t>(item.envelope_id)).bind(2, utc_timestamp()).run(); !r) {
        return abort(to_store_error(r.error()));
      }
    }
    if (auto r = exec("RELEASE item", "release item"); !r) return abort(r.error());
    results.push_back({ApplyStatus::kApplied, {}, {}});
  }
  if (auto r = commit(); !r) return unexpected(r.error());
  return results;
}

Expected<std::optional<std::string>, StoreError> SqliteCrmStore::archive_bundle(std::string_view system,
                                                                                std::string_view value) {
  std::lock_guard lock(mu_);
  // A read transaction: one consistent snapshot of the patient and their resources.
  if (auto r = db_->exec("BEGIN", "begin read"); !r) return unexpected(to_store_error(r.error()));
  auto result = [&]() -> Expected<std::optional<std::string>, StoreError> {
    std::int64_t golden = 0;
    {
      auto q = db_->query(
          "SELECT l.golden_id FROM identifiers i "
          "JOIN links l ON l.source_record_id = i.source_record_id AND l.undone IS NULL "
          "WHERE i.value = ?2 AND (?1 = '' OR i.system = ?1) ORDER BY l.id LIMIT 1",
          "find patient");
      if (!q) return unexpected(to_store_error(q.error()));
      auto got = q->bind(1, system).bind(2, value).single_int64();
      if (!got) return unexpected(to_store_error(got.error()));
      if (!*got) return std::optional<std::string>();
      golden = **got;
    }
    auto records = sqlite::golden_source_records(*db_, golden);
    if (!records) return unexpected(to_store_error(records.error()));
    std::vector<std::string> resources{compose_golden_patient(golden, *records, survivorship_)};
    for (const char* sql : kArchiveSql) {
      auto q = db_->query(sql, "read archive");
      if (!q) return unexpected(to_store_error(q.error()));
      q->bind(1, golden);
      for (;;) {
        auto row = q->step();
        if (!row) return unexpected(to_store_error(row.error()));
        if (!*row) break;
        resources.push_back(q->text(0));
      }
    }
    return std::optional<std::string>(model::bundle_json("collection", resources));
  }();
  rollback();
  return result;
}

template <class Op>
Expected<OperationResult, StoreError> SqliteCrmStore::operation(Op op) {
  std::lock_guard lock(mu_);
  if (auto r = begin(); !r) return unexpected(r.error());
  auto done = op(*db_);
  if (!done) {
    rollback();
    return unexpected(to_store_error(done.error()));
  }
  if (auto r = commit(); !r) return unexpected(r.error());
  return std::move(*done);
}

Expected<OperationResult, StoreError> SqliteCrmStore::unmerge(std::int64_t merge_id, const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::unmerge(db, merge_id, actor); });
}

Expected<OperationResult, StoreError> SqliteCrmStore::unlink_record(std::int64_t source_record_id,
                                                                   const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::unlink_record(db, source_record_id, actor); });
}

Expected<OperationResult, StoreError> SqliteCrmStore::link_record(std::int64_t source_record_id, std::int64_t golden,
                                                                 const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::link_record(db, source_record_id, golden, actor); });
}

Expected<OperationResult, StoreError> SqliteCrmStore::merge_goldens(std::int64_t from, std::int64_t into,
                                                                   const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::merge_goldens(db, from, into, actor); });
}

Expected<OperationResult, StoreError> SqliteCrmStore::mark_distinct(std::int64_t a, std::int64_t b,
                                                                   const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::mark_distinct(db, a, b, actor); });
}

Expected<OperationResult, StoreError> SqliteCrmStore::undo_operation(std::int64_t op, const mpi::Actor& actor) {
  return operation([&](sqlite::Db& db) { return sqlite::undo_operation(db, op, actor); });
}

Expected<std::vector<OperationRow>, StoreError> SqliteCrmStore::operations_of_golden(std::int64_t golden) {
  std::lock_guard lock(mu_);
  auto rows = sqlite::operations_of_golden(*db_, golden);
  if (!rows) return unexpected(to_store_error(rows.error()));
  return std::move(*rows);
}

namespace {

constexpr const char* kMergeColumns =
    "SELECT m.id, m.from_golden, m.into_golden, m.reason, m.created, COALESCE(m.undone, ''), "
    "(SELECT count(*) FROM merge_links ml WHERE ml.merge_id = m.id) FROM merges m ";

DbResult<std::vector<MergeRow>> read_merges(sqlite::Query& q) {
  std::vector<MergeRow> out;
  for (;;) {
    auto row = q.step();
    if (!row) return unexpected(row.error());
    if (!*row) break;
    out.push_back({q.int64(0), q.int64(1), q.int64(2), q.text(3), q.text(4), q.text(5), q.int64(6)});
  }
  return out;
}

}  // namespace

Expected<std::vector<MergeRow>, StoreError> SqliteCrmStore::list_merges() {
  std::lock_guard lock(mu_);
  auto q = db_->query(std::string(kMergeColumns) + "ORDER BY m.id", "list merges");
  if (!q) return unexpected(to_store_error(q.error()));
  auto rows = read_merges(*q);
  if (!rows) return unexpected(to_store_error(rows.error()));
  return std::move(*rows);
}

Expected<std::optional<std::vector<MergeRow>>, StoreError> SqliteCrmStore::list_merges(std::string_view system,
                                                                                     std::string_view value) {
  std::lock_guard lock(mu_);
  if (auto r = db_->exec("BEGIN", "begin read"); !r) return unexpected(to_store_error(r.error()));
  auto result = [&]() -> Expected<std::optional<std::vector<MergeRow>>, StoreError> {
    {
      auto q = db_->query("SELECT 1 FROM identifiers WHERE value = ?2 AND (?1 = '' OR system = ?1) LIMIT 1",
                          "list merges: find identifier");
      if (!q) return unexpected(to_store_error(q.error()));
      auto found = q->bind(1, system).bind(2, value).single_int64();
      if (!found) return unexpected(to_store_error(found.error()));
      if (!*found) return std::optional<std::vector<MergeRow>>();
    }
    // Every golden patient such a record was ever linked to, undone links included.
    auto q = db_->query(
        "WITH g AS (SELECT DISTINCT l.golden_id AS id FROM identifiers i "
        "JOIN links l ON l.source_record_id = i.source_record_id WHERE i.value = ?2 AND (?1 = '' OR i.system = ?1)) " +
            std::string(kMergeColumns) +
            "WHERE m.from_golden IN (SELECT id FROM g) OR m.into_golden IN (SELECT id FROM g) ORDER BY m.id",
        "list merges");
    if (!q) return unexpected(to_store_error(q.error()));
    q->bind(1, system).bind(2, value);
    auto rows = read_merges(*q);
    if (!rows) return unexpected(to_store_error(rows.error()));
    return std::optional<std::vector<MergeRow>>(std::move(*rows));
  }();
  rollback();
  return result;
}

Expected<std::vector<ReviewTaskRow>, StoreError> SqliteCrmStore::list_review_tasks(bool open_only) {
  std::lock_guard lock(mu_);
  auto q = db_->query(
      "SELECT id, kind, source_record_id, golden_id, other_goldens, reason, status, created, coalesce(field_scores, '') "
      "FROM review_tasks "
      "WHERE ?1 = 0 OR status = 'open' ORDER BY id",
      "list review tasks");
  if (!q) return unexpected(to_store_error(q.error()));
  q->bind(1, open_only ? 1 : 0);
  std::vector<ReviewTaskRow> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(to_store_error(row.error()));
    if (!*row) break;
    out.push_back({q->int64(0), q->text(1), q->int64(2), q->int64(3), q->text(4), q->text(5), q->text(6), q->text(7),
                   q->text(8)});
  }
  return out;
}

Expected<std::optional<SqliteCrmStore::PatientView>, StoreError> SqliteCrmStore::source_record_view(
    std::int64_t source_record_id) {
  std::lock_guard lock(mu_);
  auto q = db_->query("SELECT sender, resource FROM source_records WHERE id = ?1", "read source record");
  if (!q) return unexpected(to_store_error(q.error()));
  q->bind(1, source_record_id);
  auto row = q->step();
  if (!row) return unexpected(to_store_error(row.error()));
  if (!*row) return std::optional<PatientView>();
  return std::optional<PatientView>(PatientView{source_record_id, q->text(0), q->text(1)});
}

Expected<std::optional<SqliteCrmStore::PatientView>, StoreError> SqliteCrmStore::golden_view(std::int64_t golden) {
  std::lock_guard lock(mu_);
  if (auto r = db_->exec("BEGIN", "begin read"); !r) return unexpected(to_store_error(r.error()));
  auto result = [&]() -> Expected<std::optional<PatientView>, StoreError> {
    std::int64_t id = golden;
    for (int hops = 0;; ++hops) {
      if (hops > 64) return std::optional<PatientView>();  // merges cannot make a cycle; refuse rather than spin
      auto q = db_->query("SELECT coalesce(merged_into, 0) FROM golden_patients WHERE id = ?1", "read golden patient");
      if (!q) return unexpected(to_store_error(q.error()));
      auto into = q->bind(1, id).single_int64();
      if (!into) return unexpected(to_store_error(into.error()));
      if (!*into) return std::optional<PatientView>();
      if (**into == 0) break;
      id = **into;
    }
    auto records = sqlite::golden_source_records(*db_, id);
    if (!records) return unexpected(to_store_error(records.error()));
    return std::optional<PatientView>(PatientView{id, {}, compose_golden_patient(id, *records, survivorship_)});
  }();
  rollback();
  return result;
}

Expected<std::vector<SqliteCrmStore::ReviewView>, StoreError> SqliteCrmStore::review_views(bool open_only) {
  auto tasks = list_review_tasks(open_only);
  if (!tasks) return unexpected(tasks.error());
  std::vector<ReviewView> out;
  for (auto& t : *tasks) {
    auto record = source_record_view(t.source_record);
    if (!record) return unexpected(record.error());
    auto golden = golden_view(t.golden);
    if (!golden) return unexpected(golden.error());
    std::vector<PatientView> candidates;
    for (std::int64_t other : parse_id_array(t.other_goldens)) {
      auto view = golden_view(other);
      if (!view) return unexpected(view.error());
      if (*view) candidates.push_back(std::move(**view));
    }
    out.push_back({std::move(t), std::move(*record), std::move(*golden), std::move(candidates)});
  }
  return out;
}

Expected<std::int64_t, StoreError> SqliteCrmStore::save_match_model(mpi::MatchModel model) {
  if (auto problem = mpi::check_match_model(model); !problem.empty()) {
    return unexpected(StoreError{"match model: " + problem, false});
  }
  std::lock_guard lock(mu_);
  if (auto r = begin(); !r) return unexpected(r.error());
  auto version = sqlite::store_match_model(*db_, model);
  if (!version) {
    rollback();
    return unexpected(to_store_error(version.error()));
  }
  if (auto r = commit(); !r) return unexpected(r.error());
  log::info("mpi_match_model", {{"source", "stored"}, {"version", *version},
                                {"link_threshold", model.link_threshold},
                                {"review_threshold", model.review_threshold}});
  matcher_ = std::make_unique<mpi::ProbabilisticMatcher>(std::move(model));
  return *version;
}

Expected<std::vector<mpi::MatchFeatures>, StoreError> SqliteCrmStore::match_features_of_records() {
  std::lock_guard lock(mu_);
  auto q = db_->query("SELECT match_features FROM source_records WHERE match_features <> '' ORDER BY id",
                      "read match features");
  if (!q) return unexpected(to_store_error(q.error()));
  std::vector<mpi::MatchFeatures> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(to_store_error(row.error()));
    if (!*row) break;
    out.push_back(mpi::decode_match_features(q->text(0)));
  }
  return out;
}

Expected<std::vector<SourceRecordLink>, StoreError> SqliteCrmStore::source_record_links() {
  std::lock_guard lock(mu_);
  auto q = db_->query(
      "SELECT sr.id, sr.sender, sr.key_value, l.golden_id, l.grade FROM source_records sr "
      "JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL ORDER BY sr.id",
      "read links");
  if (!q) return unexpected(to_store_error(q.error()));
  std::vector<SourceRecordLink> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(to_store_error(row.error()));
    if (!*row) break;
    out.push_back({q->int64(0), q->text(1), q->text(2), q->int64(3), q->text(4)});
  }
  return out;
}

Expected<std::vector<OutboxEvent>, StoreError> SqliteCrmStore::outbox_after(std::int64_t seq, std::size_t limit) {
  std::lock_guard lock(mu_);
  auto q = db_->query(
      "SELECT seq, kind, golden_id, resource_type, resource_id, envelope_id, created FROM outbox "
      "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
      "read outbox");
  if (!q) return unexpected(to_store_error(q.error()));
  q->bind(1, seq).bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEvent> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(to_store_error(row.error()));
    if (!*row) break;
    out.push_back({q->int64(0), q->text(1), q->int64(2), q->text(3), q->int64(4),
                   static_cast<std::uint64_t>(q->int64(5)), q->text(6)});
  }
  return out;
}

}  // namespace medgw::crmstore

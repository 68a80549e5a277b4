#include "adapters/crmstore/schema.hpp"

#include <sqlite3.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/crmstore/search_index.hpp"

namespace medgw::crmstore::sqlite {
namespace {

// Migration 1: the first schema (issue 4).
//
// Patient index: golden_patients, source_records (what each sender says about a patient, with its
// FHIR Patient JSON and flags), identifiers (every identifier of a record; trusted = usable for
// linking), links (source record -> golden patient; replaced links are kept with `undone` set,
// so exactly one current link per record), merges and merge_links (what each merge moved, for
// undo), review_tasks.
//
// Clinical resources: one table per FHIR type, upserted by (sender, key) (change_set.hpp), each
// row holding the resource as FHIR JSON plus the columns a CRM queries on. A row belongs to the
// source record it came with; golden_id is that record's current golden patient, kept in step
// whenever a link changes, so the trend index (golden_id, code, effective) stays one lookup.
//
// Delivery: outbox (events for the CRM, seq never reused: AUTOINCREMENT), applied_envelopes.
constexpr const char* kMigration1 = R"SQL(
CREATE TABLE golden_patients (
  id INTEGER PRIMARY KEY,
  created TEXT NOT NULL,
  merged_into INTEGER REFERENCES golden_patients(id)
);
CREATE TABLE source_records (
  id INTEGER PRIMARY KEY,
  sender TEXT NOT NULL,
  key_system TEXT NOT NULL,
  key_value TEXT NOT NULL,
  resource TEXT NOT NULL,
  demographic_key TEXT NOT NULL,
  flags TEXT NOT NULL,
  revision INTEGER NOT NULL,
  updated TEXT NOT NULL,
  UNIQUE (sender, key_system, key_value)
);
CREATE INDEX source_records_demographic ON source_records(demographic_key) WHERE demographic_key <> '';
CREATE TABLE identifiers (
  id INTEGER PRIMARY KEY,
  source_record_id INTEGER NOT NULL REFERENCES source_records(id),
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  trusted INTEGER NOT NULL
);
CREATE INDEX identifiers_value ON identifiers(value, system);
CREATE INDEX identifiers_record ON identifiers(source_record_id);
CREATE TABLE links (
  id INTEGER PRIMARY KEY,
  source_record_id INTEGER NOT NULL REFERENCES source_records(id),
  golden_id INTEGER NOT NULL REFERENCES golden_patients(id),
  grade TEXT NOT NULL,
  reason TEXT NOT NULL,
  created TEXT NOT NULL,
  undone TEXT
);
CREATE UNIQUE INDEX links_current ON links(source_record_id) WHERE undone IS NULL;
CREATE INDEX links_golden ON links(golden_id) WHERE undone IS NULL;
CREATE TABLE merges (
  id INTEGER PRIMARY KEY,
  from_golden INTEGER NOT NULL REFERENCES golden_patients(id),
  into_golden INTEGER NOT NULL REFERENCES golden_patients(id),
  reason TEXT NOT NULL,
  created TEXT NOT NULL,
  undone TEXT
);
CREATE TABLE merge_links (
  merge_id INTEGER NOT NULL REFERENCES merges(id),
  old_link_id INTEGER NOT NULL REFERENCES links(id),
  new_link_id INTEGER NOT NULL REFERENCES links(id),
  PRIMARY KEY (merge_id, old_link_id)
);
CREATE TABLE review_tasks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  source_record_id INTEGER NOT NULL REFERENCES source_records(id),
  golden_id INTEGER NOT NULL REFERENCES golden_patients(id),
  other_goldens TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  created TEXT NOT NULL
);
CREATE INDEX review_tasks_open ON review_tasks(source_record_id, kind) WHERE status = 'open';

CREATE TABLE encounters (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE TABLE reports (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE TABLE observations (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  value_num REAL, value_unit TEXT NOT NULL DEFAULT '', abnormal INTEGER NOT NULL DEFAULT 0,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE TABLE observation_history (
  id INTEGER PRIMARY KEY,
  observation_id INTEGER NOT NULL REFERENCES observations(id),
  status TEXT NOT NULL, value_num REAL, value_unit TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, replaced TEXT NOT NULL);
CREATE INDEX observation_history_observation ON observation_history(observation_id);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE TABLE imaging_studies (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, key TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id), golden_id INTEGER REFERENCES golden_patients(id),
  status TEXT NOT NULL, code_system TEXT NOT NULL, code TEXT NOT NULL, effective TEXT NOT NULL,
  resource TEXT NOT NULL, envelope_id INTEGER NOT NULL, updated TEXT NOT NULL, UNIQUE (sender, key));
CREATE INDEX encounters_record ON encounters(source_record_id);
CREATE INDEX orders_record ON orders(source_record_id);
CREATE INDEX reports_record ON reports(source_record_id);
CREATE INDEX observations_record ON observations(source_record_id);
CREATE INDEX documents_record ON documents(source_record_id);
CREATE INDEX imaging_studies_record ON imaging_studies(source_record_id);
CREATE INDEX encounters_golden ON encounters(golden_id, effective);
CREATE INDEX orders_golden ON orders(golden_id, effective);
CREATE INDEX reports_golden ON reports(golden_id, effective);
CREATE INDEX observations_trend ON observations(golden_id, code, effective);
CREATE INDEX documents_golden ON documents(golden_id, effective);
CREATE INDEX imaging_studies_golden ON imaging_studies(golden_id, effective);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  golden_id INTEGER NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  envelope_id INTEGER NOT NULL,
  created TEXT NOT NULL
);
CREATE TABLE applied_envelopes (
  envelope_id INTEGER PRIMARY KEY,
  applied TEXT NOT NULL
);
)SQL";

// 2: every source record upsert takes max(revision) + 1; without an index that is a full scan per
// message, which made delivery quadratic in the number of patients.
constexpr const char* kMigration2 = R"SQL(
CREATE INDEX source_records_revision ON source_records(revision);
)SQL";

// 3: the FHIR API (issue 5).
// - version: every resource row and source record counts its changes (meta.versionId, ETag,
//   If-Match); resource_history keeps each replaced version (vread, _history).
// - Search indexes written at apply: resource_tokens (token parameters — code, category,
//   identifier, status — over every coding, not only the first), patient_names (each name part,
//   lower-cased, for Patient?name=), source_records.birth_date and gender.
// - audit_log: every read of patient data through the API (who, when, which patient, which query).
// - source_records.envelope_id: the envelope that wrote the record's current version (kept with it
//   in resource_history, as the clinical tables keep theirs).
//
// What the writer stores (change_set_writer.hpp, sqlite_index_store.hpp, search_index.hpp):
// - resource JSON has "id" (row id; source records "src-<n>") and no "meta": the reader adds
//   meta.versionId (version) and meta.lastUpdated (updated). resource_history rows hold the
//   replaced JSON with the version and updated time it had; the current version is only in the
//   table itself. A resource sent again unchanged keeps its version.
// - resource_tokens: resource_type is the FHIR type ("Patient" rows are source records, by their
//   numeric id); param code | category | identifier | status; system '' when absent.
// - patient_names.part: normalise_name_part (search_index.hpp): trimmed, inner whitespace runs
//   made one space, ASCII A-Z lower-cased,
//   every other character as it is (CJK untouched; no accent folding). Parts are each family,
//   each given, each text and each word of a text of several words. A name search normalises its
//   value the same way and matches a prefix with the index, in binary collation:
//     part >= ?1 AND part < ?1 || char(1114111)        -- U+10FFFF sorts after any character
//   (not LIKE: it ignores ASCII case and cannot use this index), exact with part = ?1.
// Databases written before this migration are indexed from their stored JSON when it is applied
// (backfill_search_indexes below).
constexpr const char* kMigration3 = R"SQL(
ALTER TABLE source_records ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE source_records ADD COLUMN envelope_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_records ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE source_records ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE encounters ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE observations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE imaging_studies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE resource_history (
  id INTEGER PRIMARY KEY,
  resource_type TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  resource TEXT NOT NULL,
  updated TEXT NOT NULL,
  envelope_id INTEGER NOT NULL,
  UNIQUE (resource_type, resource_id, version)
);
CREATE TABLE resource_tokens (
  resource_type TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  param TEXT NOT NULL,
  system TEXT NOT NULL,
  code TEXT NOT NULL
);
CREATE INDEX resource_tokens_code ON resource_tokens(resource_type, param, code, system);
CREATE INDEX resource_tokens_resource ON resource_tokens(resource_type, resource_id);
CREATE TABLE patient_names (
  source_record_id INTEGER NOT NULL REFERENCES source_records(id),
  part TEXT NOT NULL
);
CREATE INDEX patient_names_part ON patient_names(part, source_record_id);
CREATE INDEX patient_names_record ON patient_names(source_record_id);
CREATE INDEX source_records_birth_date ON source_records(birth_date) WHERE birth_date <> '';
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  client TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  golden_id INTEGER,
  query TEXT NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX audit_log_golden ON audit_log(golden_id, at);
)SQL";

// 4: the scores behind a review task (issue 7): what the matcher weighed, field by field, as a JSON
// object, so a reviewer sees why the pair was proposed. NULL for tasks opened without scores.
// (The matching work adds the same column; the two are one migration.)
constexpr const char* kMigration4 = R"SQL(
ALTER TABLE review_tasks ADD COLUMN field_scores TEXT;
)SQL";

// 5: the patient index's operations log (issue 7): every link, unlink, merge, unmerge, "not the
// same person" mark and undo, with who (an operator, or the sender of an ADT^A40), why and when,
// and what it changed, so it can be undone exactly:
// - link/unlink: link_id is the link it made, previous_link_id the one it replaced (undone since);
//   undoing it restores previous_link_id.
// - merge: merge_id (merges/merge_links remember the moved links); its undo is an unmerge.
// - distinct: distinct_id, a row of distinct_goldens (golden_a < golden_b); undoing sets its
//   `undone`. While a pair is not undone the resolver never links or proposes one for the other.
// - review_tasks: the ids of the review tasks the operation answered (closed), a JSON array; its
//   undo opens them again. undoes/undone_by pair an operation with its undo.
constexpr const char* kMigration5 = R"SQL(
CREATE TABLE distinct_goldens (
  id INTEGER PRIMARY KEY,
  golden_a INTEGER NOT NULL REFERENCES golden_patients(id),
  golden_b INTEGER NOT NULL REFERENCES golden_patients(id),
  created TEXT NOT NULL,
  undone TEXT,
  CHECK (golden_a < golden_b)
);
CREATE INDEX distinct_goldens_a ON distinct_goldens(golden_a) WHERE undone IS NULL;
CREATE INDEX distinct_goldens_b ON distinct_goldens(golden_b) WHERE undone IS NULL;
CREATE TABLE mpi_operations (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  automatic INTEGER NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL,
  source_record_id INTEGER REFERENCES source_records(id),
  golden_id INTEGER REFERENCES golden_patients(id),
  other_golden_id INTEGER REFERENCES golden_patients(id),
  link_id INTEGER REFERENCES links(id),
  previous_link_id INTEGER REFERENCES links(id),
  merge_id INTEGER REFERENCES merges(id),
  distinct_id INTEGER REFERENCES distinct_goldens(id),
  review_tasks TEXT NOT NULL DEFAULT '[]',
  undoes INTEGER REFERENCES mpi_operations(id),
  undone_by INTEGER REFERENCES mpi_operations(id)
);
CREATE INDEX mpi_operations_golden ON mpi_operations(golden_id);
CREATE INDEX mpi_operations_other_golden ON mpi_operations(other_golden_id);
CREATE INDEX mpi_operations_merge ON mpi_operations(merge_id) WHERE merge_id IS NOT NULL;
)SQL";

// 6: probabilistic matching (issue 7).
// - source_records.match_features: the record's comparison values (mpi::encode_match_features),
//   written with the record, so scoring a candidate reads one column and parses no JSON.
// - blocking_keys: key -> source record (mpi::blocking_keys), rewritten with the record; a
//   candidate query reads the first N source records of a key from the primary key's order.
// - match_models: every version of the Fellegi-Sunter model `medgw mpi train` stored, as its
//   reviewable JSON (mpi/match_model_json.hpp); the highest version is the one in use.
// Records stored before this migration have no comparison values and no keys: they are found by
// identifiers only until they are sent again.
constexpr const char* kMigration6 = R"SQL(
ALTER TABLE source_records ADD COLUMN match_features TEXT NOT NULL DEFAULT '';
CREATE TABLE blocking_keys (
  key TEXT NOT NULL,
  source_record_id INTEGER NOT NULL REFERENCES source_records(id),
  PRIMARY KEY (key, source_record_id)
) WITHOUT ROWID;
CREATE INDEX blocking_keys_record ON blocking_keys(source_record_id);
CREATE TABLE match_models (
  version INTEGER PRIMARY KEY,
  created TEXT NOT NULL,
  model TEXT NOT NULL
);
)SQL";

constexpr std::array<const char*, 6> kMigrations{kMigration1, kMigration2, kMigration3,
                                                kMigration4, kMigration5, kMigration6};

// Indexes every stored resource and source record for search (migration 3), from its JSON, the
// same way a write does. In slices by id, so memory stays bounded however large the archive.
DbResult<Ok> backfill_search_indexes(Db& db) {
  struct Table {
    const char* type;
    const char* table;
  };
  constexpr std::array<Table, 7> kTables{{{"Patient", "source_records"},
                                          {"Encounter", "encounters"},
                                          {"ServiceRequest", "orders"},
                                          {"DiagnosticReport", "reports"},
                                          {"Observation", "observations"},
                                          {"DocumentReference", "documents"},
                                          {"ImagingStudy", "imaging_studies"}}};
  for (const auto& t : kTables) {
    std::int64_t after = 0;
    for (;;) {
      std::vector<std::pair<std::int64_t, std::string>> slice;
      {
        auto q = db.query(std::string("SELECT id, resource FROM ") + t.table +
                              " WHERE id > ?1 AND resource <> '' ORDER BY id LIMIT 512",
                          "migrate: backfill search indexes");
        if (!q) return unexpected(q.error());
        q->bind(1, after);
        for (;;) {
          auto row = q->step();
          if (!row) return unexpected(row.error());
          if (!*row) break;
          slice.emplace_back(q->int64(0), q->text(1));
        }
      }
      if (slice.empty()) break;
      // The index tables were created empty by this migration: nothing to replace.
      if (std::string_view(t.type) == "Patient") {
        for (const auto& [id, json] : slice) {
          if (auto r = write_patient_search(db, id, json, /*replaces=*/false); !r) return r;
        }
      } else {
        std::vector<IndexedResource> resources;
        resources.reserve(slice.size());
        for (const auto& [id, json] : slice) resources.push_back({t.type, id, json, false});
        if (auto r = write_search_tokens(db, resources); !r) return r;
      }
      after = slice.back().first;
    }
  }
  return Ok{};
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

DbResult<int> migrate(Db& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE", "migrate: begin"); !r) return unexpected(r.error());
  auto fail = [&](DbError e) -> DbResult<int> {
    (void)db.exec("ROLLBACK", "migrate: rollback");
    return unexpected(std::move(e));
  };
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", "migrate: version table");
      !r) {
    return fail(r.error());
  }
  std::optional<std::int64_t> stored;
  {
    auto q = db.query("SELECT version FROM schema_version", "migrate: read version");
    if (!q) return fail(q.error());
    auto current = q->single_int64();
    if (!current) return fail(current.error());
    stored = *current;
  }
  const int version = static_cast<int>(stored.value_or(0));
  const bool fresh = !stored.has_value();
  if (version > latest_schema_version()) {
    return fail(DbError{0,
                        "database schema version " + std::to_string(version) +
                            " is newer than this medgw supports (" + std::to_string(latest_schema_version()) +
                            "): upgrade medgw",
                        false});
  }
  for (int v = version; v < latest_schema_version(); ++v) {
    if (auto r = db.exec(kMigrations[static_cast<std::size_t>(v)], "migrate: apply"); !r) return fail(r.error());
    if (v + 1 == 3 && !fresh) {
      if (auto r = backfill_search_indexes(db); !r) return fail(r.error());
    }
  }
  auto set = db.query(fresh ? "INSERT INTO schema_version (version) VALUES (?1)" : "UPDATE schema_version SET version = ?1",
                      "migrate: write version");
  if (!set) return fail(set.error());
  if (auto r = set->bind(1, latest_schema_version()).run(); !r) return fail(r.error());
  if (auto r = db.exec("COMMIT", "migrate: commit"); !r) return fail(r.error());
  return latest_schema_version();
}

}  // namespace medgw::crmstore::sqlite

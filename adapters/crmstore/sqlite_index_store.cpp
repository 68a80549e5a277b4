#include "adapters/crmstore/sqlite_index_store.hpp"

#include "adapters/crmstore/exact_json.hpp"
#include <array>
#include <optional>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "adapters/crmstore/search_index.hpp"
#include "adapters/crmstore/timestamp.hpp"
#include "mappings/model/fhir_json.hpp"

namespace medgw::crmstore::sqlite {

mpi::MpiError to_mpi_error(const DbError& e) { return mpi::MpiError{e.message, e.retryable}; }

namespace {

using mpi::MpiResult;

// Every table holding clinical rows of a source record (their subject is the golden patient).
constexpr std::array<const char*, 6> kRetargetSql{
    "UPDATE encounters SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
    "UPDATE orders SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
    "UPDATE reports SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
    "UPDATE observations SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
    "UPDATE documents SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
    "UPDATE imaging_studies SET golden_id = ?1, resource = json_set(resource, '$.subject.reference', 'Patient/' || ?1) "
    "WHERE source_record_id = ?2",
};

template <class T>
MpiResult<T> fail(const DbError& e) {
  return unexpected(to_mpi_error(e));
}

std::string json_string_array(const std::vector<std::string>& items) {
  // Items are fixed tokens (flag names): no escaping needed, but refuse to break the JSON anyway.
  std::string out = "[";
  for (const auto& s : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : s) {
      if (c != '"' && c != '\\') out += c;
    }
    out += '"';
  }
  return out + "]";
}

std::string json_int_array(const std::vector<mpi::GoldenId>& items) {
  std::string out = "[";
  for (auto v : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  return out + "]";
}

// The FHIR Patient received, as the record's document: id "src-<n>", no meta; every other element
// (its own links too) kept as sent. nullopt when it is not a JSON object.
std::optional<std::string> stored_patient_json(std::string_view fhir_json, const std::string& id) {
  rapidjson::Document d;
  if (!parse_exact(d, fhir_json) || !d.IsObject()) return std::nullopt;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("Patient");
  w.Key("id");
  w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
  for (const auto& m : d.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "resourceType" || name == "id" || name == "meta") continue;
    w.Key(m.name.GetString(), m.name.GetStringLength());
    write_exact(m.value, w);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

DbResult<Ok> SqliteIndexStore::retarget(mpi::SourceRecordId record, mpi::GoldenId golden) {
  for (const char* sql : kRetargetSql) {
    auto q = db_.query(sql, "move clinical rows to golden patient");
    if (!q) return unexpected(q.error());
    if (auto r = q->bind(1, golden).bind(2, record).run(); !r) return unexpected(r.error());
  }
  return Ok{};
}

DbResult<std::vector<mpi::GoldenId>> SqliteIndexStore::goldens(std::string_view sql, std::string_view what,
                                                               std::string_view a, std::string_view b) {
  auto q = db_.query(sql, what);
  if (!q) return unexpected(q.error());
  q->bind(1, a);
  if (sql.find("?2") != std::string_view::npos) q->bind(2, b);  // one query takes a second parameter
  std::vector<mpi::GoldenId> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row) break;
    out.push_back(q->int64(0));
  }
  return out;
}

MpiResult<std::optional<mpi::SourceLink>> SqliteIndexStore::find_source_record(std::string_view sender,
                                                                                const mpi::IdentifierKey& key) {
  auto q = db_.query(
      "SELECT sr.id, l.golden_id, l.grade FROM source_records sr "
      "JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL "
      "WHERE sr.sender = ?1 AND sr.key_system = ?2 AND sr.key_value = ?3",
      "find source record");
  if (!q) return fail<std::optional<mpi::SourceLink>>(q.error());
  q->bind(1, sender).bind(2, key.system).bind(3, key.value);
  auto row = q->step();
  if (!row) return fail<std::optional<mpi::SourceLink>>(row.error());
  if (!*row) return std::optional<mpi::SourceLink>();
  mpi::SourceLink link;
  link.source_record = q->int64(0);
  link.golden = q->int64(1);
  link.grade = mpi::parse_link_grade(q->text(2)).value_or(mpi::LinkGrade::kNew);
  return std::optional<mpi::SourceLink>(link);
}

MpiResult<std::vector<mpi::GoldenId>> SqliteIndexStore::goldens_with_identifier(const mpi::IdentifierKey& id) {
  auto r = goldens(
      "SELECT l.golden_id FROM identifiers i "
      "JOIN links l ON l.source_record_id = i.source_record_id AND l.undone IS NULL "
      "WHERE i.value = ?2 AND i.system = ?1 AND i.trusted = 1 GROUP BY l.golden_id ORDER BY MIN(l.id)",
      "find patients by identifier", id.system, id.value);
  if (!r) return fail<std::vector<mpi::GoldenId>>(r.error());
  return std::move(*r);
}

MpiResult<std::vector<mpi::GoldenId>> SqliteIndexStore::goldens_with_demographic_key(std::string_view key,
                                                                                  std::size_t limit) {
  // The limit is part of the SQL text (an integer, never input), so each limit has one cached
  // statement.
  // Only the first `limit` source records of the block are read (the inner LIMIT), so a common
  // key costs the same as a rare one; they cannot name more goldens than that.
  const std::string sql =
      "SELECT l.golden_id FROM (SELECT id FROM source_records WHERE demographic_key = ?1 AND demographic_key <> '' "
      "ORDER BY id LIMIT " + std::to_string(limit) + ") sr "
      "JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL GROUP BY l.golden_id ORDER BY MIN(l.id)";
  auto r = goldens(sql, "find patients by demographics", key, {});
  if (!r) return fail<std::vector<mpi::GoldenId>>(r.error());
  return std::move(*r);
}

MpiResult<std::vector<mpi::BlockedRecord>> SqliteIndexStore::records_with_blocking_key(std::string_view key,
                                                                                     std::size_t limit) {
  // The limit is part of the SQL text (an integer, never input): one cached statement per limit.
  // The inner query reads the first `limit` entries of the key from the primary key, so a common
  // key costs what a rare one does.
  const std::string sql =
      "SELECT b.source_record_id, l.golden_id, sr.match_features FROM "
      "(SELECT source_record_id FROM blocking_keys WHERE key = ?1 ORDER BY source_record_id LIMIT " +
      std::to_string(limit) +
      ") b JOIN links l ON l.source_record_id = b.source_record_id AND l.undone IS NULL "
      "JOIN source_records sr ON sr.id = b.source_record_id";
  auto q = db_.query(sql, "find records by blocking key");
  if (!q) return fail<std::vector<mpi::BlockedRecord>>(q.error());
  q->bind(1, key);
  std::vector<mpi::BlockedRecord> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail<std::vector<mpi::BlockedRecord>>(row.error());
    if (!*row) break;
    out.push_back({q->int64(0), q->int64(1), q->text(2)});
  }
  return out;
}

MpiResult<std::vector<mpi::IdentifierKey>> SqliteIndexStore::identifiers_of_golden(mpi::GoldenId golden) {
  auto q = db_.query(
      "SELECT DISTINCT i.system, i.value FROM links l JOIN identifiers i ON i.source_record_id = l.source_record_id "
      "WHERE l.golden_id = ?1 AND l.undone IS NULL AND i.trusted = 1",
      "identifiers of patient");
  if (!q) return fail<std::vector<mpi::IdentifierKey>>(q.error());
  q->bind(1, golden);
  std::vector<mpi::IdentifierKey> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail<std::vector<mpi::IdentifierKey>>(row.error());
    if (!*row) break;
    out.push_back({q->text(0), q->text(1)});
  }
  return out;
}

MpiResult<mpi::GoldenId> SqliteIndexStore::create_golden() {
  auto q = db_.query("INSERT INTO golden_patients (created) VALUES (?1)", "create golden patient");
  if (!q) return fail<mpi::GoldenId>(q.error());
  if (auto r = q->bind(1, utc_timestamp()).run(); !r) return fail<mpi::GoldenId>(r.error());
  return db_.last_insert_rowid();
}

MpiResult<mpi::SourceRecordId> SqliteIndexStore::upsert_source_record(const mpi::SourceRecordData& record) {
  const std::string now = utc_timestamp();
  // The version stored before, to keep (unchanged) or replace (into resource_history).
  struct Before {
    std::string resource, updated;
    std::int64_t version = 0, envelope = 0;
  };
  std::optional<Before> before;
  {
    auto q = db_.query(
        "SELECT resource, version, updated, envelope_id FROM source_records "
        "WHERE sender = ?1 AND key_system = ?2 AND key_value = ?3",
        "read source record");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    q->bind(1, record.sender).bind(2, record.key.system).bind(3, record.key.value);
    auto row = q->step();
    if (!row) return fail<mpi::SourceRecordId>(row.error());
    if (*row) before = Before{q->text(0), q->text(2), q->int64(1), q->int64(3)};
  }
  mpi::SourceRecordId id = 0;
  {
    // revision orders records by last update (the archive takes names from the latest), without
    // depending on clock resolution.
    auto q = db_.query(
        "INSERT INTO source_records (sender, key_system, key_value, resource, demographic_key, flags, revision, "
        "updated, envelope_id, match_features) VALUES (?1, ?2, ?3, '', ?4, ?5, (SELECT coalesce(max(revision), 0) + 1 "
        "FROM source_records), ?6, ?7, ?8) "
        "ON CONFLICT (sender, key_system, key_value) DO UPDATE SET demographic_key = excluded.demographic_key, "
        "flags = excluded.flags, revision = excluded.revision, match_features = excluded.match_features RETURNING id",
        "store source record");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    q->bind(1, record.sender)
        .bind(2, record.key.system)
        .bind(3, record.key.value)
        .bind(4, record.demographic_key)
        .bind(5, json_string_array(record.flags))
        .bind(6, now)
        .bind(7, envelope_)
        .bind(8, record.match_features);
    auto got = q->single_int64();
    if (!got) return fail<mpi::SourceRecordId>(got.error());
    if (!*got) return unexpected(mpi::MpiError{"store source record: no id", false});
    id = **got;
    if (auto r = q->run(); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  // The record as sent, with the store's logical id for it ("src-<n>": golden patients own "<n>").
  const std::string src_id = "src-" + std::to_string(id);
  model::Patient patient = *record.patient;
  patient.id = src_id;
  patient.link.clear();
  const std::string model_json = model::to_json(patient);
  std::string json = model_json;
  if (!record.fhir_json.empty()) {
    auto stored = stored_patient_json(record.fhir_json, src_id);
    if (!stored) return unexpected(mpi::MpiError{"patient: the FHIR JSON received is not a JSON object", false});
    json = std::move(*stored);
  }
  if (!before || before->resource != json) {
    const bool replaces = before && !before->resource.empty();
    if (replaces) {
      auto q = db_.query(
          "INSERT INTO resource_history (resource_type, resource_id, version, resource, updated, envelope_id) "
          "VALUES ('Patient', ?1, ?2, ?3, ?4, ?5)",
          "keep source record history");
      if (!q) return fail<mpi::SourceRecordId>(q.error());
      if (auto r = q->bind(1, id).bind(2, before->version).bind(3, before->resource).bind(4, before->updated)
                       .bind(5, before->envelope).run();
          !r) {
        return fail<mpi::SourceRecordId>(r.error());
      }
    }
    auto q = db_.query(
        "UPDATE source_records SET resource = ?2, version = ?3, updated = ?4, envelope_id = ?5 WHERE id = ?1",
        "store source record");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    if (auto r = q->bind(1, id).bind(2, json).bind(3, replaces ? before->version + 1 : std::int64_t{1})
                     .bind(4, now).bind(5, envelope_).run();
        !r) {
      return fail<mpi::SourceRecordId>(r.error());
    }
    if (auto r = write_patient_search(db_, id, model_json, before.has_value()); !r) {
      return fail<mpi::SourceRecordId>(r.error());
    }
  }
  {
    auto q = db_.query("DELETE FROM identifiers WHERE source_record_id = ?1", "store identifiers");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    if (auto r = q->bind(1, id).run(); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  auto insert = [&](std::string_view system, std::string_view value, int trusted) -> DbResult<Ok> {
    auto q = db_.query("INSERT INTO identifiers (source_record_id, system, value, trusted) VALUES (?1, ?2, ?3, ?4)",
                       "store identifiers");
    if (!q) return unexpected(q.error());
    return q->bind(1, id).bind(2, system).bind(3, value).bind(4, trusted).run();
  };
  for (const auto& i : record.patient->identifier) {
    if (i.value.empty()) continue;
    if (auto r = insert(i.system, i.value, 0); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  for (const auto& i : record.link_identifiers) {
    if (auto r = insert(i.system, i.value, 1); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  {
    auto q = db_.query("DELETE FROM blocking_keys WHERE source_record_id = ?1", "store blocking keys");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    if (auto r = q->bind(1, id).run(); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  for (const auto& key : record.blocking_keys) {
    // OR IGNORE: the resolver's keys are distinct, but a duplicate must not refuse the record.
    auto q = db_.query("INSERT OR IGNORE INTO blocking_keys (key, source_record_id) VALUES (?1, ?2)",
                       "store blocking keys");
    if (!q) return fail<mpi::SourceRecordId>(q.error());
    if (auto r = q->bind(1, key).bind(2, id).run(); !r) return fail<mpi::SourceRecordId>(r.error());
  }
  return id;
}

MpiResult<mpi::Done> SqliteIndexStore::link(mpi::SourceRecordId record, mpi::GoldenId golden, mpi::LinkGrade grade,
                                            std::string_view reason) {
  const std::string now = utc_timestamp();
  {
    auto q = db_.query("UPDATE links SET undone = ?2 WHERE source_record_id = ?1 AND undone IS NULL", "link record");
    if (!q) return fail<mpi::Done>(q.error());
    if (auto r = q->bind(1, record).bind(2, now).run(); !r) return fail<mpi::Done>(r.error());
  }
  {
    auto q = db_.query(
        "INSERT INTO links (source_record_id, golden_id, grade, reason, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        "link record");
    if (!q) return fail<mpi::Done>(q.error());
    if (auto r = q->bind(1, record).bind(2, golden).bind(3, mpi::to_string(grade)).bind(4, reason).bind(5, now).run();
        !r) {
      return fail<mpi::Done>(r.error());
    }
  }
  if (auto r = retarget(record, golden); !r) return fail<mpi::Done>(r.error());
  return mpi::Done{};
}

MpiResult<mpi::ReviewTaskId> SqliteIndexStore::open_review_task(const mpi::ReviewTask& task) {
  {
    auto q = db_.query("SELECT id FROM review_tasks WHERE source_record_id = ?1 AND kind = ?2 AND status = 'open'",
                       "open review task");
    if (!q) return fail<mpi::ReviewTaskId>(q.error());
    auto existing = q->bind(1, task.source_record).bind(2, task.kind).single_int64();
    if (!existing) return fail<mpi::ReviewTaskId>(existing.error());
    if (*existing) return **existing;
  }
  auto q = db_.query(
      "INSERT INTO review_tasks (kind, source_record_id, golden_id, other_goldens, reason, created, field_scores) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      "open review task");
  if (!q) return fail<mpi::ReviewTaskId>(q.error());
  q->bind(1, task.kind)
      .bind(2, task.source_record)
      .bind(3, task.golden)
      .bind(4, json_int_array(task.other_goldens))
      .bind(5, task.reason)
      .bind(6, utc_timestamp());
  if (task.field_scores_json.empty()) {
    q->bind_null(7);
  } else {
    q->bind(7, task.field_scores_json);
  }
  if (auto r = q->run();
      !r) {
    return fail<mpi::ReviewTaskId>(r.error());
  }
  return db_.last_insert_rowid();
}

MpiResult<mpi::MergeId> SqliteIndexStore::record_merge(mpi::GoldenId from, mpi::GoldenId into,
                                                       std::string_view reason) {
  const std::string now = utc_timestamp();
  mpi::MergeId merge = 0;
  {
    auto q = db_.query("INSERT INTO merges (from_golden, into_golden, reason, created) VALUES (?1, ?2, ?3, ?4)",
                       "record merge");
    if (!q) return fail<mpi::MergeId>(q.error());
    if (auto r = q->bind(1, from).bind(2, into).bind(3, reason).bind(4, now).run(); !r) {
      return fail<mpi::MergeId>(r.error());
    }
    merge = db_.last_insert_rowid();
  }
  struct Moved {
    std::int64_t link;
    mpi::SourceRecordId record;
  };
  std::vector<Moved> moved;
  {
    auto q = db_.query("SELECT id, source_record_id FROM links WHERE golden_id = ?1 AND undone IS NULL ORDER BY id",
                       "record merge");
    if (!q) return fail<mpi::MergeId>(q.error());
    q->bind(1, from);
    for (;;) {
      auto row = q->step();
      if (!row) return fail<mpi::MergeId>(row.error());
      if (!*row) break;
      moved.push_back({q->int64(0), q->int64(1)});
    }
  }
  for (const auto& m : moved) {
    if (auto r = link(m.record, into, mpi::LinkGrade::kMerged, reason); !r) return unexpected(r.error());
    auto q = db_.query(
        "INSERT INTO merge_links (merge_id, old_link_id, new_link_id) VALUES (?1, ?2, ?3)", "record merge");
    if (!q) return fail<mpi::MergeId>(q.error());
    if (auto r = q->bind(1, merge).bind(2, m.link).bind(3, db_.last_insert_rowid()).run(); !r) {
      return fail<mpi::MergeId>(r.error());
    }
  }
  auto q = db_.query("UPDATE golden_patients SET merged_into = ?2 WHERE id = ?1", "record merge");
  if (!q) return fail<mpi::MergeId>(q.error());
  if (auto r = q->bind(1, from).bind(2, into).run(); !r) return fail<mpi::MergeId>(r.error());
  return merge;
}

MpiResult<mpi::Done> SqliteIndexStore::undo_merge(mpi::MergeId merge) {
  mpi::GoldenId from = 0;
  {
    auto q = db_.query("SELECT from_golden FROM merges WHERE id = ?1 AND undone IS NULL", "undo merge");
    if (!q) return fail<mpi::Done>(q.error());
    auto got = q->bind(1, merge).single_int64();
    if (!got) return fail<mpi::Done>(got.error());
    if (!*got) return unexpected(mpi::MpiError{"undo merge: no such merge, or already undone", false});
    from = **got;
  }
  struct Moved {
    std::int64_t old_link, new_link;
    mpi::SourceRecordId record;
    mpi::GoldenId golden;
  };
  std::vector<Moved> moved;
  {
    auto q = db_.query(
        "SELECT ml.old_link_id, ml.new_link_id, nl.undone IS NOT NULL, ol.source_record_id, ol.golden_id "
        "FROM merge_links ml JOIN links nl ON nl.id = ml.new_link_id JOIN links ol ON ol.id = ml.old_link_id "
        "WHERE ml.merge_id = ?1",
        "undo merge");
    if (!q) return fail<mpi::Done>(q.error());
    q->bind(1, merge);
    for (;;) {
      auto row = q->step();
      if (!row) return fail<mpi::Done>(row.error());
      if (!*row) break;
      if (q->int64(2) != 0) {
        return unexpected(mpi::MpiError{"undo merge: a link it moved changed since; undo the later change first", false});
      }
      moved.push_back({q->int64(0), q->int64(1), q->int64(3), q->int64(4)});
    }
  }
  const std::string now = utc_timestamp();
  for (const auto& m : moved) {
    // The merge's link first: only one current link per record may exist at any moment.
    auto undo = db_.query("UPDATE links SET undone = ?2 WHERE id = ?1", "undo merge");
    if (!undo) return fail<mpi::Done>(undo.error());
    if (auto r = undo->bind(1, m.new_link).bind(2, now).run(); !r) return fail<mpi::Done>(r.error());
    auto restore = db_.query("UPDATE links SET undone = NULL WHERE id = ?1", "undo merge");
    if (!restore) return fail<mpi::Done>(restore.error());
    if (auto r = restore->bind(1, m.old_link).run(); !r) return fail<mpi::Done>(r.error());
    if (auto r = retarget(m.record, m.golden); !r) return fail<mpi::Done>(r.error());
  }
  {
    auto q = db_.query("UPDATE golden_patients SET merged_into = NULL WHERE id = ?1", "undo merge");
    if (!q) return fail<mpi::Done>(q.error());
    if (auto r = q->bind(1, from).run(); !r) return fail<mpi::Done>(r.error());
  }
  auto q = db_.query("UPDATE merges SET undone = ?2 WHERE id = ?1", "undo merge");
  if (!q) return fail<mpi::Done>(q.error());
  if (auto r = q->bind(1, merge).bind(2, now).run(); !r) return fail<mpi::Done>(r.error());
  return mpi::Done{};
}

MpiResult<std::vector<mpi::GoldenId>> SqliteIndexStore::distinct_goldens(mpi::GoldenId golden) {
  using R = std::vector<mpi::GoldenId>;
  // Marks on `golden` itself or on any golden patient merged into it (a chain after several).
  auto q = db_.query(
      "WITH RECURSIVE absorbed(id) AS (SELECT ?1 UNION SELECT g.id FROM golden_patients g JOIN absorbed a "
      "ON g.merged_into = a.id) "
      "SELECT CASE WHEN d.golden_a IN (SELECT id FROM absorbed) THEN d.golden_b ELSE d.golden_a END "
      "FROM distinct_goldens d WHERE d.undone IS NULL AND (d.golden_a IN (SELECT id FROM absorbed) "
      "OR d.golden_b IN (SELECT id FROM absorbed)) ORDER BY d.id",
      "read distinct patients");
  if (!q) return fail<R>(q.error());
  q->bind(1, golden);
  R marked;
  for (;;) {
    auto row = q->step();
    if (!row) return fail<R>(row.error());
    if (!*row) break;
    marked.push_back(q->int64(0));
  }
  // The other side as it stands now: a patient merged since is answered by its survivor.
  for (auto& g : marked) {
    for (int hops = 0; hops < 64; ++hops) {
      auto next = db_.query("SELECT merged_into FROM golden_patients WHERE id = ?1 AND merged_into IS NOT NULL",
                            "read distinct patients");
      if (!next) return fail<R>(next.error());
      auto into = next->bind(1, g).single_int64();
      if (!into) return fail<R>(into.error());
      if (!*into) break;
      g = **into;
    }
  }
  return marked;
}

MpiResult<mpi::Done> SqliteIndexStore::restore_link(mpi::SourceRecordId record, std::int64_t made,
                                                    std::int64_t replaced) {
  mpi::GoldenId golden = 0;
  {
    auto q = db_.query("SELECT golden_id FROM links WHERE id = ?1 AND source_record_id = ?2", "restore link");
    if (!q) return fail<mpi::Done>(q.error());
    auto got = q->bind(1, replaced).bind(2, record).single_int64();
    if (!got) return fail<mpi::Done>(got.error());
    if (!*got) return unexpected(mpi::MpiError{"restore link: the link to restore is not the record's", false});
    golden = **got;
  }
  // The current link first: only one current link per record may exist at any moment.
  auto undo = db_.query("UPDATE links SET undone = ?2 WHERE id = ?1 AND undone IS NULL", "restore link");
  if (!undo) return fail<mpi::Done>(undo.error());
  if (auto r = undo->bind(1, made).bind(2, utc_timestamp()).run(); !r) return fail<mpi::Done>(r.error());
  auto restore = db_.query("UPDATE links SET undone = NULL WHERE id = ?1", "restore link");
  if (!restore) return fail<mpi::Done>(restore.error());
  if (auto r = restore->bind(1, replaced).run(); !r) return fail<mpi::Done>(r.error());
  if (auto r = retarget(record, golden); !r) return fail<mpi::Done>(r.error());
  return mpi::Done{};
}

}  // namespace medgw::crmstore::sqlite

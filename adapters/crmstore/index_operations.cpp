#include "adapters/crmstore/index_operations.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "adapters/crmstore/sqlite_index_store.hpp"
#include "adapters/crmstore/timestamp.hpp"

namespace medgw::crmstore::sqlite {
namespace {

DbError refused(std::string message) { return DbError{0, std::move(message), false}; }
DbError from_mpi(const mpi::MpiError& e) { return DbError{0, e.message, e.retryable}; }

std::string id_text(std::int64_t id) { return std::to_string(id); }

struct CurrentLink {
  std::int64_t id = 0;
  mpi::GoldenId golden = 0;
  mpi::LinkGrade grade = mpi::LinkGrade::kNew;
};

DbResult<std::optional<CurrentLink>> current_link(Db& db, mpi::SourceRecordId record) {
  auto q = db.query("SELECT id, golden_id, grade FROM links WHERE source_record_id = ?1 AND undone IS NULL",
                    "read current link");
  if (!q) return unexpected(q.error());
  q->bind(1, record);
  auto row = q->step();
  if (!row) return unexpected(row.error());
  if (!*row) return std::optional<CurrentLink>();
  return std::optional<CurrentLink>(
      CurrentLink{q->int64(0), q->int64(1), mpi::parse_link_grade(q->text(2)).value_or(mpi::LinkGrade::kNew)});
}

// A golden patient an operation may act on: it exists and is not merged away (the survivor is
// named, so the operator can act on it instead).
DbResult<Ok> check_standing(Db& db, mpi::GoldenId golden) {
  auto q = db.query("SELECT coalesce(merged_into, 0) FROM golden_patients WHERE id = ?1", "read golden patient");
  if (!q) return unexpected(q.error());
  auto into = q->bind(1, golden).single_int64();
  if (!into) return unexpected(into.error());
  if (!*into) return unexpected(refused("no golden patient " + id_text(golden)));
  if (**into != 0) {
    return unexpected(refused("golden patient " + id_text(golden) + " was merged into " + id_text(**into) +
                              "; act on " + id_text(**into) + " (or unmerge first)"));
  }
  return Ok{};
}

DbResult<std::int64_t> count_records(Db& db, mpi::GoldenId golden) {
  auto q = db.query("SELECT count(*) FROM links WHERE golden_id = ?1 AND undone IS NULL", "count records");
  if (!q) return unexpected(q.error());
  auto n = q->bind(1, golden).single_int64();
  if (!n) return unexpected(n.error());
  return n->value_or(0);
}

DbResult<std::vector<std::int64_t>> ids(Query& q) {
  std::vector<std::int64_t> out;
  for (;;) {
    auto row = q.step();
    if (!row) return unexpected(row.error());
    if (!*row) break;
    out.push_back(q.int64(0));
  }
  return out;
}

DbResult<Ok> set_task_status(Db& db, const std::vector<std::int64_t>& tasks, std::string_view status) {
  for (auto id : tasks) {
    auto q = db.query("UPDATE review_tasks SET status = ?2 WHERE id = ?1", "update review task");
    if (!q) return unexpected(q.error());
    if (auto r = q->bind(1, id).bind(2, status).run(); !r) return unexpected(r.error());
  }
  return Ok{};
}

// The open tasks a decision about this source record answers.
DbResult<std::vector<std::int64_t>> close_tasks_of_record(Db& db, mpi::SourceRecordId record) {
  std::vector<std::int64_t> tasks;
  {
    auto q = db.query(
        "SELECT id FROM review_tasks WHERE source_record_id = ?1 AND status = 'open' "
        "AND kind IN ('probable-match', 'identifier-conflict') ORDER BY id",
        "read review tasks");
    if (!q) return unexpected(q.error());
    q->bind(1, record);
    auto got = ids(*q);
    if (!got) return unexpected(got.error());
    tasks = std::move(*got);
  }
  if (auto r = set_task_status(db, tasks, "closed"); !r) return unexpected(r.error());
  return tasks;
}

// The open tasks proposing `a` and `b` as one person (either as the task's golden patient and the
// other among its other candidates).
DbResult<std::vector<std::int64_t>> close_tasks_of_pair(Db& db, mpi::GoldenId a, mpi::GoldenId b) {
  std::vector<std::int64_t> tasks;
  {
    auto q = db.query(
        "SELECT id FROM review_tasks WHERE status = 'open' "
        "AND kind IN ('probable-match', 'identifier-conflict', 'see-also') "
        "AND ((golden_id = ?1 AND EXISTS (SELECT 1 FROM json_each(other_goldens) WHERE value = ?2)) "
        "OR (golden_id = ?2 AND EXISTS (SELECT 1 FROM json_each(other_goldens) WHERE value = ?1))) ORDER BY id",
        "read review tasks");
    if (!q) return unexpected(q.error());
    q->bind(1, a).bind(2, b);
    auto got = ids(*q);
    if (!got) return unexpected(got.error());
    tasks = std::move(*got);
  }
  if (auto r = set_task_status(db, tasks, "closed"); !r) return unexpected(r.error());
  return tasks;
}

std::string json_ids(const std::vector<std::int64_t>& items) {
  std::string out = "[";
  for (auto v : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  return out + "]";
}

DbResult<std::vector<std::int64_t>> parse_json_ids(Db& db, const std::string& json) {
  auto q = db.query("SELECT value FROM json_each(?1) WHERE type = 'integer'", "read review task ids");
  if (!q) return unexpected(q.error());
  q->bind(1, json);
  return ids(*q);
}

struct NewOperation {
  std::string_view kind;
  std::int64_t source_record = 0;
  mpi::GoldenId golden = 0;
  mpi::GoldenId other_golden = 0;
  std::int64_t link = 0;
  std::int64_t previous_link = 0;
  mpi::MergeId merge = 0;
  std::int64_t distinct = 0;
  std::vector<std::int64_t> review_tasks;
  mpi::OperationId undoes = 0;
};

// Optional ids are stored NULL when 0 (the columns are foreign keys).
void bind_id(Query& q, int index, std::int64_t id) {
  if (id == 0) {
    q.bind_null(index);
  } else {
    q.bind(index, id);
  }
}

DbResult<mpi::OperationId> write_operation(Db& db, const NewOperation& op, const mpi::Actor& actor) {
  auto q = db.query(
      "INSERT INTO mpi_operations (kind, actor, automatic, reason, at, source_record_id, golden_id, other_golden_id, "
      "link_id, previous_link_id, merge_id, distinct_id, review_tasks, undoes) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
      "write operations log");
  if (!q) return unexpected(q.error());
  q->bind(1, op.kind).bind(2, actor.by).bind(3, actor.automatic ? 1 : 0).bind(4, actor.reason).bind(5, utc_timestamp());
  bind_id(*q, 6, op.source_record);
  bind_id(*q, 7, op.golden);
  bind_id(*q, 8, op.other_golden);
  bind_id(*q, 9, op.link);
  bind_id(*q, 10, op.previous_link);
  bind_id(*q, 11, op.merge);
  bind_id(*q, 12, op.distinct);
  q->bind(13, json_ids(op.review_tasks));
  bind_id(*q, 14, op.undoes);
  if (auto r = q->run(); !r) return unexpected(r.error());
  const mpi::OperationId id = db.last_insert_rowid();
  if (op.undoes != 0) {
    auto u = db.query("UPDATE mpi_operations SET undone_by = ?2 WHERE id = ?1", "write operations log");
    if (!u) return unexpected(u.error());
    if (auto r = u->bind(1, op.undoes).bind(2, id).run(); !r) return unexpected(r.error());
  }
  return id;
}

DbResult<Ok> outbox(Db& db, std::string_view kind, mpi::GoldenId golden, mpi::GoldenId other) {
  auto q = db.query(
      "INSERT INTO outbox (kind, golden_id, resource_type, resource_id, envelope_id, created) "
      "VALUES (?1, ?2, 'Patient', ?3, 0, ?4)",
      "write outbox event");
  if (!q) return unexpected(q.error());
  return q->bind(1, kind).bind(2, golden).bind(3, other).bind(4, utc_timestamp()).run();
}

DbResult<Ok> check_actor(const mpi::Actor& actor) {
  if (actor.by.empty()) return unexpected(refused("who decided is required (--by NAME)"));
  if (!actor.automatic && actor.reason.empty()) return unexpected(refused("a reason is required (--reason TEXT)"));
  return Ok{};
}

// Moves `record` to `golden` (grade manual) and logs it as `kind`.
DbResult<OperationResult> relink(Db& db, mpi::SourceRecordId record, mpi::GoldenId golden, const CurrentLink& before,
                                 std::string_view kind, const mpi::Actor& actor) {
  // The link's own reason is a fixed text: the operator's words stay in the operations log only
  // (links.reason and merges.reason are printed by `medgw archive` and promised PHI-free).
  SqliteIndexStore index(db);
  if (auto r = index.link(record, golden, mpi::LinkGrade::kManual, "operator " + std::string(kind)); !r) {
    return unexpected(from_mpi(r.error()));
  }
  auto now = current_link(db, record);
  if (!now) return unexpected(now.error());
  if (!*now) return unexpected(refused("link: the record has no current link after linking"));
  auto tasks = close_tasks_of_record(db, record);
  if (!tasks) return unexpected(tasks.error());
  NewOperation op{kind, record, golden, before.golden, (*now)->id, before.id, 0, 0, *tasks, 0};
  auto id = write_operation(db, op, actor);
  if (!id) return unexpected(id.error());
  if (golden != before.golden) {
    if (auto r = outbox(db, "links-changed", golden, before.golden); !r) return unexpected(r.error());
  }
  return OperationResult{*id, std::string(kind), record, golden, before.golden, 0, 0, std::move(*tasks)};
}

DbResult<std::optional<std::int64_t>> active_distinct(Db& db, mpi::GoldenId a, mpi::GoldenId b) {
  auto q = db.query("SELECT id FROM distinct_goldens WHERE golden_a = ?1 AND golden_b = ?2 AND undone IS NULL",
                    "read distinct patients");
  if (!q) return unexpected(q.error());
  return q->bind(1, std::min(a, b)).bind(2, std::max(a, b)).single_int64();
}

DbResult<OperationResult> reopen_and_log(Db& db, const OperationRow& undone, NewOperation op, const mpi::Actor& actor) {
  auto tasks = parse_json_ids(db, undone.review_tasks);
  if (!tasks) return unexpected(tasks.error());
  if (auto r = set_task_status(db, *tasks, "open"); !r) return unexpected(r.error());
  op.review_tasks = *tasks;
  op.undoes = undone.id;
  auto id = write_operation(db, op, actor);
  if (!id) return unexpected(id.error());
  return OperationResult{*id,          std::string(op.kind), op.source_record, op.golden, op.other_golden, op.merge,
                         undone.id,    std::move(*tasks)};
}

constexpr const char* kOperationColumns =
    "SELECT id, kind, actor, automatic, reason, at, coalesce(source_record_id, 0), coalesce(golden_id, 0), "
    "coalesce(other_golden_id, 0), coalesce(merge_id, 0), review_tasks, coalesce(undoes, 0), "
    "coalesce(undone_by, 0), coalesce(link_id, 0), coalesce(previous_link_id, 0), coalesce(distinct_id, 0) "
    "FROM mpi_operations ";

struct StoredOperation {
  OperationRow row;
  std::int64_t link = 0, previous_link = 0, distinct = 0;
};

StoredOperation operation_from(const Query& q) {
  StoredOperation s;
  s.row = {q.int64(0), q.text(1),  q.text(2),  q.int64(3) != 0, q.text(4),  q.text(5), q.int64(6),
           q.int64(7), q.int64(8), q.int64(9), q.text(10),      q.int64(11), q.int64(12)};
  s.link = q.int64(13);
  s.previous_link = q.int64(14);
  s.distinct = q.int64(15);
  return s;
}

DbResult<std::optional<StoredOperation>> read_stored_operation(Db& db, mpi::OperationId id) {
  auto q = db.query(std::string(kOperationColumns) + "WHERE id = ?1", "read operations log");
  if (!q) return unexpected(q.error());
  q->bind(1, id);
  auto row = q->step();
  if (!row) return unexpected(row.error());
  if (!*row) return std::optional<StoredOperation>();
  return std::optional<StoredOperation>(operation_from(*q));
}

}  // namespace

DbResult<OperationResult> link_record(Db& db, mpi::SourceRecordId record, mpi::GoldenId golden,
                                      const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  auto before = current_link(db, record);
  if (!before) return unexpected(before.error());
  if (!*before) return unexpected(refused("no source record " + id_text(record)));
  if (auto r = check_standing(db, golden); !r) return unexpected(r.error());
  // Linking a record to the golden patient it is on confirms the link: the grade becomes manual,
  // so no later evidence moves it, and its review tasks are answered.
  if ((*before)->golden == golden && (*before)->grade == mpi::LinkGrade::kManual) {
    return unexpected(refused("source record " + id_text(record) + " is already linked to golden patient " +
                              id_text(golden) + " by an operator"));
  }
  return relink(db, record, golden, **before, mpi::kOperationLink, actor);
}

DbResult<OperationResult> unlink_record(Db& db, mpi::SourceRecordId record, const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  auto before = current_link(db, record);
  if (!before) return unexpected(before.error());
  if (!*before) return unexpected(refused("unlink: no source record " + id_text(record)));
  auto n = count_records(db, (*before)->golden);
  if (!n) return unexpected(n.error());
  // Alone on its golden patient, the record is already separate: a new golden patient would only
  // leave an empty one behind.
  if (*n <= 1) {
    return unexpected(refused("unlink: source record " + id_text(record) + " is the only record of golden patient " +
                              id_text((*before)->golden) + "; nothing to separate"));
  }
  SqliteIndexStore index(db);
  auto golden = index.create_golden();
  if (!golden) return unexpected(from_mpi(golden.error()));
  return relink(db, record, *golden, **before, mpi::kOperationUnlink, actor);
}

DbResult<OperationResult> log_merge(Db& db, mpi::MergeId merge, mpi::GoldenId from, mpi::GoldenId into,
                                    const mpi::Actor& actor) {
  auto tasks = close_tasks_of_pair(db, from, into);
  if (!tasks) return unexpected(tasks.error());
  NewOperation op{mpi::kOperationMerge, 0, into, from, 0, 0, merge, 0, *tasks, 0};
  auto id = write_operation(db, op, actor);
  if (!id) return unexpected(id.error());
  return OperationResult{*id, std::string(mpi::kOperationMerge), 0, into, from, merge, 0, std::move(*tasks)};
}

DbResult<OperationResult> merge_goldens(Db& db, mpi::GoldenId from, mpi::GoldenId into, const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  if (from == into) return unexpected(refused("merge: a golden patient cannot be merged into itself"));
  if (auto r = check_standing(db, from); !r) return unexpected(r.error());
  if (auto r = check_standing(db, into); !r) return unexpected(r.error());
  auto n = count_records(db, from);
  if (!n) return unexpected(n.error());
  if (*n == 0) return unexpected(refused("merge: golden patient " + id_text(from) + " has no source records"));
  SqliteIndexStore index(db);
  // As the resolver sees marks: through merges (a patient merged into `into` since was marked).
  auto marked = index.distinct_goldens(from);
  if (!marked) return unexpected(from_mpi(marked.error()));
  if (std::find(marked->begin(), marked->end(), into) != marked->end()) {
    return unexpected(refused("merge: golden patients " + id_text(from) + " and " + id_text(into) +
                              " are marked not the same person (see `medgw mpi history`); undo that mark first"));
  }
  auto merge = index.record_merge(from, into, actor.automatic ? "merge request" : "operator merge");
  if (!merge) return unexpected(from_mpi(merge.error()));
  if (auto r = outbox(db, "patients-merged", into, from); !r) return unexpected(r.error());
  return log_merge(db, *merge, from, into, actor);
}

DbResult<OperationResult> unmerge(Db& db, mpi::MergeId merge, const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  mpi::GoldenId from = 0, into = 0;
  {
    auto q = db.query("SELECT from_golden, into_golden, undone IS NOT NULL FROM merges WHERE id = ?1", "unmerge");
    if (!q) return unexpected(q.error());
    q->bind(1, merge);
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row) return unexpected(refused("unmerge: no merge " + id_text(merge)));
    if (q->int64(2) != 0) return unexpected(refused("unmerge: merge " + id_text(merge) + " was undone already"));
    from = q->int64(0);
    into = q->int64(1);
  }
  SqliteIndexStore index(db);
  if (auto r = index.undo_merge(merge); !r) return unexpected(from_mpi(r.error()));
  if (auto r = outbox(db, "merge-undone", into, from); !r) return unexpected(r.error());
  NewOperation op{mpi::kOperationUnmerge, 0, into, from, 0, 0, merge, 0, {}, 0};
  // The merge's own log entry, when it has one (merges made before the log existed have none).
  auto q = db.query(std::string(kOperationColumns) + "WHERE merge_id = ?1 AND kind = 'merge' AND undone_by IS NULL",
                    "read operations log");
  if (!q) return unexpected(q.error());
  q->bind(1, merge);
  auto row = q->step();
  if (!row) return unexpected(row.error());
  if (*row) {
    const OperationRow merged = operation_from(*q).row;
    return reopen_and_log(db, merged, op, actor);
  }
  auto id = write_operation(db, op, actor);
  if (!id) return unexpected(id.error());
  return OperationResult{*id, std::string(mpi::kOperationUnmerge), 0, into, from, merge, 0, {}};
}

DbResult<OperationResult> mark_distinct(Db& db, mpi::GoldenId a, mpi::GoldenId b, const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  if (a == b) return unexpected(refused("distinct: a golden patient is the same person as itself"));
  if (auto r = check_standing(db, a); !r) return unexpected(r.error());
  if (auto r = check_standing(db, b); !r) return unexpected(r.error());
  const mpi::GoldenId lo = std::min(a, b), hi = std::max(a, b);
  auto marked = active_distinct(db, lo, hi);
  if (!marked) return unexpected(marked.error());
  if (*marked) {
    return unexpected(refused("distinct: golden patients " + id_text(lo) + " and " + id_text(hi) +
                              " are marked not the same person already"));
  }
  {
    auto q = db.query("INSERT INTO distinct_goldens (golden_a, golden_b, created) VALUES (?1, ?2, ?3)",
                      "mark distinct patients");
    if (!q) return unexpected(q.error());
    if (auto r = q->bind(1, lo).bind(2, hi).bind(3, utc_timestamp()).run(); !r) return unexpected(r.error());
  }
  const std::int64_t pair = db.last_insert_rowid();
  auto tasks = close_tasks_of_pair(db, lo, hi);
  if (!tasks) return unexpected(tasks.error());
  NewOperation op{mpi::kOperationDistinct, 0, lo, hi, 0, 0, 0, pair, *tasks, 0};
  auto id = write_operation(db, op, actor);
  if (!id) return unexpected(id.error());
  return OperationResult{*id, std::string(mpi::kOperationDistinct), 0, lo, hi, 0, 0, std::move(*tasks)};
}

DbResult<OperationResult> undo_operation(Db& db, mpi::OperationId operation, const mpi::Actor& actor) {
  if (auto r = check_actor(actor); !r) return unexpected(r.error());
  auto stored = read_stored_operation(db, operation);
  if (!stored) return unexpected(stored.error());
  if (!*stored) return unexpected(refused("undo: no operation " + id_text(operation)));
  const StoredOperation& s = **stored;
  const OperationRow& op = s.row;
  if (op.undone_by != 0) {
    return unexpected(refused("undo: operation " + id_text(op.id) + " was undone by operation " +
                              id_text(op.undone_by)));
  }
  if (op.kind == mpi::kOperationMerge) return unmerge(db, op.merge, actor);
  if (op.kind == mpi::kOperationLink || op.kind == mpi::kOperationUnlink) {
    auto now = current_link(db, op.source_record);
    if (!now) return unexpected(now.error());
    if (!*now || (*now)->id != s.link) {
      return unexpected(refused("undo: source record " + id_text(op.source_record) +
                                " was linked again since operation " + id_text(op.id) +
                                "; undo the later change first"));
    }
    if (auto r = check_standing(db, op.other_golden); !r) {
      if (r.error().retryable) return unexpected(r.error());
      return unexpected(refused("undo: cannot return source record " + id_text(op.source_record) + ": " +
                                r.error().message));
    }
    SqliteIndexStore index(db);
    if (auto r = index.restore_link(op.source_record, s.link, s.previous_link); !r) {
      return unexpected(from_mpi(r.error()));
    }
    if (auto r = outbox(db, "links-changed", op.other_golden, op.golden); !r) return unexpected(r.error());
    NewOperation undo{mpi::kOperationUndo, op.source_record, op.other_golden, op.golden, s.previous_link, s.link,
                      0, 0, {}, 0};
    return reopen_and_log(db, op, undo, actor);
  }
  if (op.kind == mpi::kOperationDistinct) {
    auto q = db.query("UPDATE distinct_goldens SET undone = ?2 WHERE id = ?1 AND undone IS NULL", "undo distinct");
    if (!q) return unexpected(q.error());
    if (auto r = q->bind(1, s.distinct).bind(2, utc_timestamp()).run(); !r) return unexpected(r.error());
    NewOperation undo{mpi::kOperationUndo, 0, op.golden, op.other_golden, 0, 0, 0, s.distinct, {}, 0};
    return reopen_and_log(db, op, undo, actor);
  }
  return unexpected(refused("undo: operation " + id_text(op.id) + " is an " + op.kind +
                            ", which is not undone; make the operation again instead"));
}

DbResult<std::vector<OperationRow>> operations_of_golden(Db& db, mpi::GoldenId golden) {
  auto q = db.query(std::string(kOperationColumns) + "WHERE golden_id = ?1 OR other_golden_id = ?1 ORDER BY id",
                    "read operations log");
  if (!q) return unexpected(q.error());
  q->bind(1, golden);
  std::vector<OperationRow> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row) break;
    out.push_back(operation_from(*q).row);
  }
  return out;
}

}  // namespace medgw::crmstore::sqlite

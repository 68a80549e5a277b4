#include "adapters/crmstore/change_set_writer.hpp"

#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

#include "adapters/crmstore/sqlite_index_store.hpp"
#include "adapters/crmstore/timestamp.hpp"
#include "mappings/model/fhir_json.hpp"
#include "mappings/mpi/merge.hpp"
#include "mappings/mpi/resolver.hpp"

namespace medgw::crmstore::sqlite {
namespace {

using model::Reference;

// The columns a CRM queries on, besides the JSON.
struct Columns {
  std::string status, code_system, code, effective;
  std::optional<double> value_num;
  std::string value_unit;
  bool abnormal = false;
};

const model::Coding* first_coding(const model::CodeableConcept& c) {
  for (const auto& coding : c.coding) {
    if (!coding.code.empty()) return &coding;
  }
  return nullptr;
}

Columns coded(std::string status, const model::CodeableConcept& code, std::string effective) {
  Columns c;
  c.status = std::move(status);
  if (const auto* coding = first_coding(code)) {
    c.code_system = coding->system;
    c.code = coding->code;
  }
  c.effective = std::move(effective);
  return c;
}

Columns columns_of(const model::Encounter& r) {
  Columns c;
  c.status = r.status;
  c.code_system = r.class_.system;
  c.code = r.class_.code;
  c.effective = r.period.start;
  return c;
}
Columns columns_of(const model::ServiceRequest& r) { return coded(r.status, r.code, r.authored_on); }
Columns columns_of(const model::DiagnosticReport& r) {
  return coded(r.status, r.code, r.effective_date_time.empty() ? r.issued : r.effective_date_time);
}
Columns columns_of(const model::DocumentReference& r) { return coded(r.status, r.type, r.date); }
Columns columns_of(const model::ImagingStudy& r) {
  Columns c;
  c.status = r.status;
  if (!r.modality.empty()) {
    c.code_system = r.modality.front().system;
    c.code = r.modality.front().code;
  }
  c.effective = r.started;
  return c;
}

// Abnormal: any interpretation coded other than N (normal). An uncoded interpretation says
// nothing we can rely on.
bool is_abnormal(const model::Observation& r) {
  for (const auto& concept_ : r.interpretation) {
    for (const auto& coding : concept_.coding) {
      if (!coding.code.empty() && coding.code != "N" && coding.code != "normal") return true;
    }
  }
  return false;
}

Columns columns_of(const model::Observation& r) {
  Columns c = coded(r.status, r.code, r.effective_date_time.empty() ? r.issued : r.effective_date_time);
  if (const auto* q = std::get_if<model::Quantity>(&r.value)) {
    // A bounded value ("<0.5") is not a point on a trend line: the JSON keeps it, value_num not.
    if (q->comparator.empty() && !q->value.text.empty()) {
      char* end = nullptr;
      const double v = std::strtod(q->value.text.c_str(), &end);
      if (end != nullptr && *end == '\0') c.value_num = v;
    }
    c.value_unit = q->code.empty() ? q->unit : q->code;
  }
  c.abnormal = is_abnormal(r);
  return c;
}

template <class R>
struct TableOf;
template <>
struct TableOf<model::Encounter> {
  static constexpr const char* type = "Encounter";
  static constexpr const char* table = "encounters";
};
template <>
struct TableOf<model::ServiceRequest> {
  static constexpr const char* type = "ServiceRequest";
  static constexpr const char* table = "orders";
};
template <>
struct TableOf<model::DiagnosticReport> {
  static constexpr const char* type = "DiagnosticReport";
  static constexpr const char* table = "reports";
};
template <>
struct TableOf<model::Observation> {
  static constexpr const char* type = "Observation";
  static constexpr const char* table = "observations";
};
template <>
struct TableOf<model::DocumentReference> {
  static constexpr const char* type = "DocumentReference";
  static constexpr const char* table = "documents";
};
template <>
struct TableOf<model::ImagingStudy> {
  static constexpr const char* type = "ImagingStudy";
  static constexpr const char* table = "imaging_studies";
};

const char* table_for_type(std::string_view type) {
  if (type == "Encounter") return "encounters";
  if (type == "ServiceRequest") return "orders";
  if (type == "DiagnosticReport") return "reports";
  if (type == "Observation") return "observations";
  if (type == "DocumentReference") return "documents";
  if (type == "ImagingStudy") return "imaging_studies";
  return nullptr;
}

// A reserved row: its id, and the JSON stored before this change set ("" for a new row).
struct Row {
  std::int64_t id = 0;
  std::string previous;
};

class Writer {
 public:
  Writer(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id)
      : db_(db), changes_(changes), envelope_(static_cast<std::int64_t>(envelope_id)), now_(utc_timestamp()) {}

  DbResult<Ok> write_all(mpi::SourceRecordId record, mpi::GoldenId golden) {
    record_ = record;
    golden_ = golden;
    if (auto r = reserve_all(changes_.encounters); !r) return r;
    if (auto r = reserve_all(changes_.orders); !r) return r;
    if (auto r = reserve_all(changes_.studies); !r) return r;
    if (auto r = reserve_all(changes_.observations); !r) return r;
    if (auto r = reserve_all(changes_.reports); !r) return r;
    if (auto r = reserve_all(changes_.documents); !r) return r;
    if (auto r = write_each(changes_.encounters); !r) return r;
    if (auto r = write_each(changes_.orders); !r) return r;
    if (auto r = write_each(changes_.studies); !r) return r;
    if (auto r = write_each(changes_.observations); !r) return r;
    if (auto r = write_each(changes_.reports); !r) return r;
    return write_each(changes_.documents);
  }

  DbResult<Ok> event(std::string_view kind, mpi::GoldenId golden, std::string_view type, std::int64_t id) {
    auto q = db_.query(
        "INSERT INTO outbox (kind, golden_id, resource_type, resource_id, envelope_id, created) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        "write outbox event");
    if (!q) return unexpected(q.error());
    return q->bind(1, kind).bind(2, golden).bind(3, type).bind(4, id).bind(5, envelope_).bind(6, now_).run();
  }

 private:
  template <class R>
  DbResult<Ok> reserve_all(const std::vector<model::Keyed<R>>& items) {
    const std::string table = TableOf<R>::table;
    for (const auto& item : items) {
      {
        auto q = db_.query("INSERT INTO " + table +
                               " (sender, key, status, code_system, code, effective, resource, envelope_id, updated) "
                               "VALUES (?1, ?2, '', '', '', '', '', ?3, ?4) ON CONFLICT (sender, key) DO NOTHING",
                           "reserve resource row");
        if (!q) return unexpected(q.error());
        if (auto r = q->bind(1, changes_.sender).bind(2, item.key).bind(3, envelope_).bind(4, now_).run(); !r) {
          return r;
        }
      }
      auto q = db_.query("SELECT id, resource FROM " + table + " WHERE sender = ?1 AND key = ?2", "reserve resource row");
      if (!q) return unexpected(q.error());
      q->bind(1, changes_.sender).bind(2, item.key);
      auto row = q->step();
      if (!row) return unexpected(row.error());
      if (!*row) return unexpected(DbError{0, "reserve resource row: row vanished", false});
      rows_[{TableOf<R>::type, item.key}] = Row{q->int64(0), q->text(1)};
    }
    return Ok{};
  }

  // "<Type>/<key>" -> "<Type>/<id>", for a resource of this set or one this sender stored before.
  DbResult<Ok> rewrite(Reference& ref) {
    const auto slash = ref.reference.find('/');
    if (slash == std::string::npos) return Ok{};
    const std::string type = ref.reference.substr(0, slash);
    const std::string key = ref.reference.substr(slash + 1);
    const char* table = table_for_type(type);
    if (table == nullptr) return Ok{};
    std::optional<std::int64_t> id;
    if (auto it = rows_.find({type, key}); it != rows_.end()) {
      id = it->second.id;
    } else {
      auto q = db_.query(std::string("SELECT id FROM ") + table + " WHERE sender = ?1 AND key = ?2",
                         "resolve reference");
      if (!q) return unexpected(q.error());
      auto got = q->bind(1, changes_.sender).bind(2, key).single_int64();
      if (!got) return unexpected(got.error());
      id = *got;
    }
    if (id) {
      ref.reference = type + "/" + std::to_string(*id);
      if (ref.type.empty()) ref.type = type;
    }
    return Ok{};
  }

  DbResult<Ok> rewrite_all(std::vector<Reference>& refs) {
    for (auto& r : refs) {
      if (auto res = rewrite(r); !res) return res;
    }
    return Ok{};
  }

  void set_subject(Reference& subject) const {
    subject.reference = "Patient/" + std::to_string(golden_);
    subject.type = "Patient";
  }

  DbResult<Ok> prepare(model::Encounter& r) {
    set_subject(r.subject);
    return Ok{};
  }
  DbResult<Ok> prepare(model::ServiceRequest& r) {
    set_subject(r.subject);
    return rewrite(r.encounter);
  }
  DbResult<Ok> prepare(model::DiagnosticReport& r) {
    set_subject(r.subject);
    if (auto x = rewrite(r.encounter); !x) return x;
    if (auto x = rewrite_all(r.based_on); !x) return x;
    if (auto x = rewrite_all(r.result); !x) return x;
    return rewrite_all(r.imaging_study);
  }
  DbResult<Ok> prepare(model::Observation& r) {
    set_subject(r.subject);
    if (auto x = rewrite(r.encounter); !x) return x;
    return rewrite_all(r.based_on);
  }
  DbResult<Ok> prepare(model::DocumentReference& r) {
    set_subject(r.subject);
    return rewrite(r.context_encounter);
  }
  DbResult<Ok> prepare(model::ImagingStudy& r) {
    set_subject(r.subject);
    if (auto x = rewrite(r.encounter); !x) return x;
    return rewrite_all(r.based_on);
  }

  template <class R>
  DbResult<Ok> write_each(const std::vector<model::Keyed<R>>& items) {
    for (const auto& item : items) {
      if (auto r = write_one(item); !r) return r;
    }
    return Ok{};
  }

  DbResult<Ok> keep_history(std::int64_t observation) {
    auto q = db_.query(
        "INSERT INTO observation_history (observation_id, status, value_num, value_unit, resource, envelope_id, "
        "replaced) SELECT id, status, value_num, value_unit, resource, envelope_id, ?2 FROM observations WHERE id = ?1",
        "keep observation history");
    if (!q) return unexpected(q.error());
    return q->bind(1, observation).bind(2, now_).run();
  }

  template <class R>
  DbResult<Ok> write_one(const model::Keyed<R>& item) {
    const Row& row = rows_.at({TableOf<R>::type, item.key});
    R resource = item.resource;
    resource.id = std::to_string(row.id);
    if (auto r = prepare(resource); !r) return r;
    const std::string json = model::to_json(resource);
    if (json == row.previous) return Ok{};  // sent again unchanged
    const Columns c = columns_of(resource);
    constexpr bool is_observation = std::is_same_v<R, model::Observation>;
    if constexpr (is_observation) {
      if (!row.previous.empty()) {
        if (auto r = keep_history(row.id); !r) return r;
      }
    }
    {
      const std::string table = TableOf<R>::table;
      auto q = db_.query("UPDATE " + table +
                             " SET source_record_id = ?2, golden_id = ?3, status = ?4, code_system = ?5, code = ?6, "
                             "effective = ?7, resource = ?8, envelope_id = ?9, updated = ?10 WHERE id = ?1",
                         "write resource");
      if (!q) return unexpected(q.error());
      q->bind(1, row.id).bind(2, record_).bind(3, golden_).bind(4, c.status).bind(5, c.code_system);
      q->bind(6, c.code).bind(7, c.effective).bind(8, json).bind(9, envelope_).bind(10, now_);
      if (auto r = q->run(); !r) return r;
    }
    if constexpr (is_observation) {
      auto q = db_.query("UPDATE observations SET value_num = ?2, value_unit = ?3, abnormal = ?4 WHERE id = ?1",
                         "write observation value");
      if (!q) return unexpected(q.error());
      if (auto r = q->bind(1, row.id).bind(2, c.value_num).bind(3, c.value_unit).bind(4, c.abnormal ? 1 : 0).run();
          !r) {
        return r;
      }
      if (c.abnormal) return event("abnormal-result", golden_, TableOf<R>::type, row.id);
    }
    if constexpr (std::is_same_v<R, model::DiagnosticReport>) {
      return event(row.previous.empty() ? "new-report" : "report-updated", golden_, TableOf<R>::type, row.id);
    }
    return Ok{};
  }

  Db& db_;
  const model::ChangeSet& changes_;
  std::int64_t envelope_;
  std::string now_;
  mpi::SourceRecordId record_ = 0;
  mpi::GoldenId golden_ = 0;
  std::map<std::pair<std::string, std::string>, Row> rows_;
};

bool has_resources(const model::ChangeSet& c) {
  return !c.encounters.empty() || !c.orders.empty() || !c.reports.empty() || !c.observations.empty() ||
         !c.documents.empty() || !c.studies.empty();
}

DbResult<WriteOutcome> refused(std::string reason) { return WriteOutcome{true, std::move(reason)}; }

}  // namespace

DbResult<WriteOutcome> write_change_set(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id,
                                        std::chrono::year_month_day today) {
  if (has_resources(changes) && !changes.patient) {
    return refused("change set has clinical resources but no patient");
  }
  SqliteIndexStore index(db);
  Writer writer(db, changes, envelope_id);
  auto mpi_failure = [](const mpi::MpiError& e) -> DbResult<WriteOutcome> {
    if (e.retryable) return unexpected(DbError{0, e.message, true});
    return WriteOutcome{true, e.message};
  };

  std::optional<mpi::Resolution> patient;
  if (changes.patient) {
    auto resolved = mpi::resolve(*changes.patient, index, today);
    if (!resolved) return mpi_failure(resolved.error());
    patient = std::move(*resolved);
  }
  for (const auto& request : changes.merges) {
    auto merged = mpi::merge(request, index, today);
    if (!merged) return mpi_failure(merged.error());
    if (merged->merge != 0) {
      if (auto r = writer.event("patients-merged", merged->surviving.golden, "Patient", merged->merged); !r) {
        return unexpected(r.error());
      }
    }
  }
  if (patient && !changes.merges.empty()) {
    // A merge may have moved the change set's own patient: its resources follow the current link.
    auto q = db.query("SELECT golden_id FROM links WHERE source_record_id = ?1 AND undone IS NULL",
                      "read current link");
    if (!q) return unexpected(q.error());
    auto golden = q->bind(1, patient->source_record).single_int64();
    if (!golden) return unexpected(golden.error());
    if (*golden) patient->golden = **golden;
  }
  if (patient && has_resources(changes)) {
    if (auto r = writer.write_all(patient->source_record, patient->golden); !r) return unexpected(r.error());
  }
  return WriteOutcome{};
}

}  // namespace medgw::crmstore::sqlite

#include "adapters/crmstore/change_set_writer.hpp"

#include "adapters/crmstore/exact_json.hpp"
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "adapters/crmstore/crm_store.hpp"
#include "adapters/crmstore/search_index.hpp"
#include "adapters/crmstore/sqlite_index_store.hpp"
#include "adapters/crmstore/timestamp.hpp"
#include "mappings/model/fhir_json.hpp"
#include "mappings/mpi/identity.hpp"
#include "adapters/crmstore/index_operations.hpp"
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

// A logical id as the store hands them out: decimal digits, no sign, no leading zero.
std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// "src-<n>" -> n.
std::optional<std::int64_t> parse_source_record_id(std::string_view text) {
  constexpr std::string_view kPrefix = "src-";
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return parse_id(text.substr(kPrefix.size()));
}

WriteOutcome refusal(std::string_view code, std::string reason) { return WriteOutcome{true, std::move(reason), code}; }

class Writer {
 public:
  Writer(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id)
      : db_(db), changes_(changes), envelope_(static_cast<std::int64_t>(envelope_id)), now_(utc_timestamp()) {}

  // Refused (an update target that does not exist or moved on, FHIR JSON that is not an object):
  // the outcome says why, and the caller rolls back what was written.
  DbResult<std::optional<WriteOutcome>> write_all(mpi::SourceRecordId record, mpi::GoldenId golden) {
    record_ = record;
    golden_ = golden;
    auto steps = [&]() -> DbResult<Ok> {
      if (auto r = reserve_all(changes_.encounters); !r || refused_) return r;
      if (auto r = reserve_all(changes_.orders); !r || refused_) return r;
      if (auto r = reserve_all(changes_.studies); !r || refused_) return r;
      if (auto r = reserve_all(changes_.observations); !r || refused_) return r;
      if (auto r = reserve_all(changes_.reports); !r || refused_) return r;
      if (auto r = reserve_all(changes_.documents); !r || refused_) return r;
      if (auto r = write_each(changes_.encounters); !r || refused_) return r;
      if (auto r = write_each(changes_.orders); !r || refused_) return r;
      if (auto r = write_each(changes_.studies); !r || refused_) return r;
      if (auto r = write_each(changes_.observations); !r || refused_) return r;
      if (auto r = write_each(changes_.reports); !r || refused_) return r;
      return write_each(changes_.documents);
    };
    if (auto r = steps(); !r) return unexpected(r.error());
    if (refused_) return std::move(refused_);
    if (auto r = write_indexes(); !r) return unexpected(r.error());
    return std::optional<WriteOutcome>();
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
  // The search tokens of every row written, in one go at the end (search_index.hpp). A row
  // written twice in one change set is indexed once, as last written.
  struct Pending {
    std::string_view type;
    std::int64_t id = 0;
    std::string json;
    bool replaces = false;
  };
  void index_later(std::string_view type, std::int64_t id, std::string json, bool replaces) {
    for (auto& p : pending_) {
      if (p.type == type && p.id == id) {
        p.json = std::move(json);
        p.replaces = true;  // the first write of this change set made token rows
        return;
      }
    }
    pending_.push_back({type, id, std::move(json), replaces});
  }
  DbResult<Ok> write_indexes() {
    std::vector<IndexedResource> resources;
    resources.reserve(pending_.size());
    for (const auto& p : pending_) resources.push_back({p.type, p.id, p.json, p.replaces});
    return write_search_tokens(db_, resources);
  }

  void refuse(std::string_view code, std::string reason) {
    if (!refused_) refused_ = refusal(code, std::move(reason));
  }

  template <class R>
  DbResult<Ok> reserve_all(const std::vector<model::Keyed<R>>& items) {
    const std::string table = TableOf<R>::table;
    for (const auto& item : items) {
      if (!item.target.id.empty()) {
        if (auto r = reserve_target(item); !r || refused_) return r;
        continue;
      }
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

  // An update of a stored row by its id (FHIR PUT): the row must exist and, with If-Match, be at
  // that version. Its key stays what it was: the id names the row, not the key.
  template <class R>
  DbResult<Ok> reserve_target(const model::Keyed<R>& item) {
    const std::string type = TableOf<R>::type;
    const std::string name = type + "/" + item.target.id;
    const auto id = parse_id(item.target.id);
    if (!id) {
      refuse(kRefusedNotFound, "no " + type + " with the id of the update");
      return Ok{};
    }
    auto q = db_.query(std::string("SELECT resource, version FROM ") + TableOf<R>::table + " WHERE id = ?1",
                       "read update target");
    if (!q) return unexpected(q.error());
    q->bind(1, *id);
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row || q->text(0).empty()) {
      refuse(kRefusedNotFound, "no " + name);
      return Ok{};
    }
    const std::int64_t version = q->int64(1);
    if (item.target.if_match && *item.target.if_match != version) {
      refuse(kRefusedVersionConflict, name + " is at version " + std::to_string(version) + ", not " +
                                          std::to_string(*item.target.if_match));
      return Ok{};
    }
    rows_[{type, item.key}] = Row{*id, q->text(0)};
    return Ok{};
  }

  // "<Type>/<key>" -> "<Type>/<id>", for a resource of this set or one this sender stored before;
  // nullopt when it names neither (kept as sent: a later message may bring it).
  DbResult<std::optional<std::string>> resolve_reference(std::string_view reference) {
    const auto slash = reference.find('/');
    if (slash == std::string_view::npos) return std::optional<std::string>();
    const std::string type(reference.substr(0, slash));
    const std::string key(reference.substr(slash + 1));
    // A FHIR transaction's own Patient entry, referenced from elsewhere than `subject` (a
    // performer, an author): mappings/fhir names it "Patient/<request key>#<entry>"; it is this
    // change set's patient, so it becomes the golden patient, as the subject does.
    if (type == "Patient" && golden_ != 0 && !changes_.message_control_id.empty() &&
        key.size() > changes_.message_control_id.size() &&
        key.compare(0, changes_.message_control_id.size() + 1, changes_.message_control_id + "#") == 0 &&
        changes_.message_type.rfind("FHIR ", 0) == 0) {
      return std::optional<std::string>("Patient/" + std::to_string(golden_));
    }
    const char* table = table_for_type(type);
    if (table == nullptr) return std::optional<std::string>();
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
    if (!id) return std::optional<std::string>();
    return std::optional<std::string>(type + "/" + std::to_string(*id));
  }

  DbResult<Ok> rewrite(Reference& ref) {
    auto resolved = resolve_reference(ref.reference);
    if (!resolved) return unexpected(resolved.error());
    if (*resolved) {
      if (ref.type.empty()) ref.type = ref.reference.substr(0, ref.reference.find('/'));
      ref.reference = std::move(**resolved);
    }
    return Ok{};
  }

  DbResult<Ok> rewrite_all(std::vector<Reference>& refs) {
    for (auto& r : refs) {
      if (auto res = rewrite(r); !res) return res;
    }
    return Ok{};
  }

  // Every "reference" string in a FHIR JSON value, at any depth.
  DbResult<Ok> rewrite_json(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc) {
    if (v.IsArray()) {
      for (auto& item : v.GetArray()) {
        if (auto r = rewrite_json(item, alloc); !r) return r;
      }
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        if (m.value.IsString() && std::string_view(m.name.GetString(), m.name.GetStringLength()) == "reference") {
          auto resolved = resolve_reference({m.value.GetString(), m.value.GetStringLength()});
          if (!resolved) return unexpected(resolved.error());
          if (*resolved) {
            m.value.SetString((*resolved)->c_str(), static_cast<rapidjson::SizeType>((*resolved)->size()), alloc);
          }
        } else if (auto r = rewrite_json(m.value, alloc); !r) {
          return r;
        }
      }
    }
    return Ok{};
  }

  // The FHIR JSON received, as stored: resourceType and id first, no meta, the subject the golden
  // patient, references rewritten. nullopt when it is not a JSON object.
  DbResult<std::optional<std::string>> stored_json(std::string_view type, std::string_view fhir_json,
                                                   std::int64_t id) {
    rapidjson::Document d;
    if (!parse_exact(d, fhir_json) || !d.IsObject()) return std::optional<std::string>();
    auto& alloc = d.GetAllocator();
    for (auto& m : d.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "subject" || name == "resourceType" || name == "id" || name == "meta") continue;
      if (auto r = rewrite_json(m.value, alloc); !r) return unexpected(r.error());
    }
    const std::string ident = std::to_string(id);
    const std::string subject = "Patient/" + std::to_string(golden_);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("resourceType");
    w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.Key("id");
    w.String(ident.c_str(), static_cast<rapidjson::SizeType>(ident.size()));
    bool wrote_subject = false;
    auto write_subject = [&](const rapidjson::Value* original) {
      w.Key("subject");
      w.StartObject();
      w.Key("reference");
      w.String(subject.c_str(), static_cast<rapidjson::SizeType>(subject.size()));
      w.Key("type");
      w.String("Patient");
      if (original != nullptr && original->IsObject()) {
        // display, identifier and extensions of the reference stay as sent.
        for (const auto& m : original->GetObject()) {
          const std::string_view name(m.name.GetString(), m.name.GetStringLength());
          if (name == "reference" || name == "type") continue;
          w.Key(m.name.GetString(), m.name.GetStringLength());
          write_exact(m.value, w);
        }
      }
      w.EndObject();
      wrote_subject = true;
    };
    for (const auto& m : d.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "resourceType" || name == "id" || name == "meta") continue;
      if (name == "subject") {
        write_subject(&m.value);
        continue;
      }
      w.Key(m.name.GetString(), m.name.GetStringLength());
      write_exact(m.value, w);
    }
    if (!wrote_subject) write_subject(nullptr);
    w.EndObject();
    return std::optional<std::string>(std::string(buf.GetString(), buf.GetSize()));
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
      if (auto r = write_one(item); !r || refused_) return r;
    }
    return Ok{};
  }

  DbResult<Ok> keep_history(std::string_view type, const char* table, std::int64_t id) {
    if (type == "Observation") {
      auto q = db_.query(
          "INSERT INTO observation_history (observation_id, status, value_num, value_unit, resource, envelope_id, "
          "replaced) SELECT id, status, value_num, value_unit, resource, envelope_id, ?2 FROM observations WHERE id = ?1",
          "keep observation history");
      if (!q) return unexpected(q.error());
      if (auto r = q->bind(1, id).bind(2, now_).run(); !r) return r;
    }
    auto q = db_.query(
        "INSERT INTO resource_history (resource_type, resource_id, version, resource, updated, envelope_id) "
        "SELECT ?2, id, version, resource, updated, envelope_id FROM " +
            std::string(table) + " WHERE id = ?1",
        "keep resource history");
    if (!q) return unexpected(q.error());
    return q->bind(1, id).bind(2, type).run();
  }

  // ChangeSet::partial_reports: the results the stored report already lists come first, in their
  // order, then this change set's new ones, so rows of one report arriving one by one (in any
  // order, or again after a replay) leave one report listing every result once. References are
  // compared after rewriting, when both sides read "Observation/<id>".
  static void keep_stored_results(const std::string& previous, std::vector<Reference>& results) {
    if (previous.empty()) return;
    rapidjson::Document d;
    d.Parse(previous.data(), previous.size());
    if (d.HasParseError() || !d.IsObject()) return;
    const auto stored = d.FindMember("result");
    if (stored == d.MemberEnd() || !stored->value.IsArray()) return;
    auto text = [](const rapidjson::Value& o, const char* name) {
      const auto m = o.FindMember(name);
      return m != o.MemberEnd() && m->value.IsString() ? std::string(m->value.GetString(), m->value.GetStringLength())
                                                       : std::string();
    };
    std::vector<Reference> merged;
    for (const auto& r : stored->value.GetArray()) {
      if (!r.IsObject()) continue;
      Reference ref{text(r, "reference"), text(r, "type"), text(r, "display")};
      if (ref.reference.empty()) continue;
      merged.push_back(std::move(ref));
    }
    for (auto& r : results) {
      const bool known = std::any_of(merged.begin(), merged.end(),
                                     [&](const Reference& m) { return m.reference == r.reference; });
      if (!known) merged.push_back(std::move(r));
    }
    results = std::move(merged);
  }

  template <class R>
  DbResult<Ok> write_one(const model::Keyed<R>& item) {
    const Row& row = rows_.at({TableOf<R>::type, item.key});
    R resource = item.resource;
    resource.id = std::to_string(row.id);
    if (auto r = prepare(resource); !r) return r;
    if constexpr (std::is_same_v<R, model::DiagnosticReport>) {
      if (changes_.partial_reports && item.fhir_json.empty()) keep_stored_results(row.previous, resource.result);
    }
    const std::string model_json = model::to_json(resource);
    std::string json;
    if (item.fhir_json.empty()) {
      json = model_json;
    } else {
      auto stored = stored_json(TableOf<R>::type, item.fhir_json, row.id);
      if (!stored) return unexpected(stored.error());
      if (!*stored) {
        refuse(kRefusedInvalid, std::string(TableOf<R>::type) + ": the FHIR JSON received is not a JSON object");
        return Ok{};
      }
      json = std::move(**stored);
    }
    if (json == row.previous) return Ok{};  // sent again unchanged
    const Columns c = columns_of(resource);
    const bool replaces = !row.previous.empty();
    if (replaces) {
      if (auto r = keep_history(TableOf<R>::type, TableOf<R>::table, row.id); !r) return r;
    }
    {
      const std::string table = TableOf<R>::table;
      auto q = db_.query("UPDATE " + table +
                             " SET source_record_id = ?2, golden_id = ?3, status = ?4, code_system = ?5, code = ?6, "
                             "effective = ?7, resource = ?8, envelope_id = ?9, updated = ?10, "
                             "version = version + ?11 WHERE id = ?1",
                         "write resource");
      if (!q) return unexpected(q.error());
      q->bind(1, row.id).bind(2, record_).bind(3, golden_).bind(4, c.status).bind(5, c.code_system);
      q->bind(6, c.code).bind(7, c.effective).bind(8, json).bind(9, envelope_).bind(10, now_);
      q->bind(11, replaces ? 1 : 0);
      if (auto r = q->run(); !r) return r;
    }
    index_later(TableOf<R>::type, row.id, model_json, replaces);
    constexpr bool is_observation = std::is_same_v<R, model::Observation>;
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
      return event(replaces ? "report-updated" : "new-report", golden_, TableOf<R>::type, row.id);
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
  std::optional<WriteOutcome> refused_;
  std::vector<Pending> pending_;
};

bool has_resources(const model::ChangeSet& c) {
  return !c.encounters.empty() || !c.orders.empty() || !c.reports.empty() || !c.observations.empty() ||
         !c.documents.empty() || !c.studies.empty();
}

// The patient a change set's resources belong to: the golden patient, and the source record the
// rows are attached to.
struct Subject {
  mpi::SourceRecordId record = 0;
  mpi::GoldenId golden = 0;
};

// ChangeSet::subject -> the golden patient; nullopt when nobody matches. Rows belong to a source
// record, not to a golden patient directly: every link change (merge, unlink, undo) moves the rows
// of the records it moves (SqliteIndexStore::retarget), so a row must follow some record.
// - "src-<n>": record n itself, so the row goes where the record the client named goes;
// - an identifier: the record holding it (the one whose link decided the golden patient);
// - "<n>": the golden patient's lowest-numbered current record (its oldest). Were that record
//   later unlinked, the row would go with it; no choice is right in every case, and the oldest
//   record is the one the golden patient was created for.
DbResult<std::optional<Subject>> resolve_subject(Db& db, const model::SubjectReference& ref) {
  using Found = std::optional<Subject>;
  if (!ref.patient_id.empty()) {
    std::string_view patient_id = ref.patient_id;
    if (patient_id.substr(0, 8) == "Patient/") patient_id.remove_prefix(8);  // a relative reference
    if (const auto record = parse_source_record_id(patient_id)) {
      auto q = db.query("SELECT golden_id FROM links WHERE source_record_id = ?1 AND undone IS NULL",
                        "resolve subject");
      if (!q) return unexpected(q.error());
      auto golden = q->bind(1, *record).single_int64();
      if (!golden) return unexpected(golden.error());
      if (!*golden) return Found();
      return Found(Subject{*record, **golden});
    }
    auto golden = parse_id(patient_id);
    if (!golden) return Found();
    // A merged golden patient stands for the one it was merged into (a chain, after several).
    for (int hops = 0;; ++hops) {
      if (hops > 64) return Found();  // a cycle cannot be made by merges; refuse rather than spin
      auto q = db.query("SELECT coalesce(merged_into, 0) FROM golden_patients WHERE id = ?1", "resolve subject");
      if (!q) return unexpected(q.error());
      auto into = q->bind(1, *golden).single_int64();
      if (!into) return unexpected(into.error());
      if (!*into) return Found();
      if (**into == 0) break;
      golden = **into;
    }
    auto q = db.query(
        "SELECT source_record_id FROM links WHERE golden_id = ?1 AND undone IS NULL ORDER BY source_record_id LIMIT 1",
        "resolve subject");
    if (!q) return unexpected(q.error());
    auto record = q->bind(1, *golden).single_int64();
    if (!record) return unexpected(record.error());
    if (!*record) return Found();
    return Found(Subject{**record, *golden});
  }
  if (ref.identifier && !ref.identifier->value.empty()) {
    const std::string& system = ref.identifier->system;
    std::vector<std::string> values{ref.identifier->value};
    // National IDs are indexed with the check digit X upper-cased (identity.hpp).
    if ((system.empty() || system == mpi::kNationalIdSystem) && values[0].back() == 'x') {
      values.push_back(values[0].substr(0, values[0].size() - 1) + "X");
    }
    for (const auto& value : values) {
      auto q = db.query(
          "SELECT l.source_record_id, l.golden_id FROM identifiers i "
          "JOIN links l ON l.source_record_id = i.source_record_id AND l.undone IS NULL "
          "WHERE i.value = ?2 AND (?1 = '' OR i.system = ?1) ORDER BY l.id LIMIT 1",
          "resolve subject");
      if (!q) return unexpected(q.error());
      q->bind(1, system).bind(2, value);
      auto row = q->step();
      if (!row) return unexpected(row.error());
      if (*row) return Found(Subject{q->int64(0), q->int64(1)});
    }
  }
  return Found();
}

// Whether a Patient.link.other reference can name a patient of this archive: "Patient/<id>" or a
// bare id. Patient.link.other may also be a RelatedPerson (the FHIR example Patient-mom links to
// RelatedPerson/newborn-mom), and an absolute URL names another server's patient: neither is a
// patient medgw can merge with, so the link is kept on the record and nothing else happens.
bool names_a_patient(std::string_view reference) {
  if (reference.substr(0, 8) == "Patient/") reference.remove_prefix(8);
  return !reference.empty() && reference.find('/') == std::string_view::npos &&
         reference.find(':') == std::string_view::npos;
}

// FHIR Patient.link (issue 7), on the golden patient of the record just resolved. `other` is
// medgw's own id ("<golden>", "src-<record>", as the API serves them, "Patient/" in front or not),
// resolved like a subject; a replaced-by or replaces naming nobody refuses the change set, as an
// ADT^A40 naming an unknown prior patient does (dropping a merge instruction silently would lose
// it); a seealso naming nobody has no one to be reviewed against and is only kept on the record.
// - replaced-by: this patient "must no longer be used", the other is used instead: a merge of this
//   golden patient into the other's, logged as the sender's automatic merge (an unmerge undoes it).
// - replaces: the inverse, the other's golden patient merged into this one.
// - seealso: "known to contain data about the same person", but both stay "equally valid": the
//   sender asserts a likely identity, not a decision. It opens a see-also review task pairing the
//   two golden patients (a person merges or marks them distinct with the records side by side)
//   rather than linking: a soft assertion from one sender must not bypass the review that the
//   index's own probable matches get. Nothing happens when they are one patient already or marked
//   distinct (a round trip of medgw's own seealso links, which name the patient's own records).
// - refer: medgw's own pointer from a source record to its golden patient: nothing to do.
// A pair marked distinct by an operator is never merged by a link: the change set is refused.
DbResult<std::optional<WriteOutcome>> apply_patient_links(Db& db, const model::ChangeSet& changes,
                                                          const Subject& subject) {
  using Refused = std::optional<WriteOutcome>;
  if (!changes.patient) return Refused();
  const auto& links = changes.patient->patient.link;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto& link = links[i];
    if (link.type != "replaced-by" && link.type != "replaces" && link.type != "seealso") continue;
    if (!names_a_patient(link.other.reference)) continue;
    const std::string where = "Patient.link[" + std::to_string(i) + "]";
    auto other = resolve_subject(db, model::SubjectReference{link.other.reference, std::nullopt});
    if (!other) return unexpected(other.error());
    if (!*other) {
      if (link.type == "seealso") continue;  // nobody to review it against; the link stays on the record
      return Refused(refusal(kRefusedUnknownSubject, where + ".other names no patient of the archive"));
    }
    const mpi::GoldenId here = subject.golden, there = (*other)->golden;
    if (here == there) continue;  // one patient already (a re-sent link)
    SqliteIndexStore index(db);
    auto marked = index.distinct_goldens(here);
    if (!marked) return unexpected(DbError{0, marked.error().message, marked.error().retryable});
    const bool distinct = std::find(marked->begin(), marked->end(), there) != marked->end();
    if (link.type == "seealso") {
      if (distinct) continue;
      mpi::ReviewTask task{std::string(mpi::kReviewSeeAlso), subject.record, here, {there},
                           "the sender links this patient to another (Patient.link seealso)", {}};
      if (auto r = index.open_review_task(task); !r) return unexpected(DbError{0, r.error().message, r.error().retryable});
      continue;
    }
    if (distinct) {
      return Refused(refusal(kRefusedInvalid, where + ": golden patients " + std::to_string(here) + " and " +
                                                  std::to_string(there) + " are marked not the same person"));
    }
    const bool replaced = link.type == "replaced-by";
    const mpi::Actor sender{changes.sender, "FHIR Patient.link " + link.type, true};
    auto merged = merge_goldens(db, replaced ? here : there, replaced ? there : here, sender);
    if (!merged) {
      if (merged.error().retryable) return unexpected(merged.error());
      return Refused(refusal(kRefusedInvalid, where + ": " + merged.error().message));
    }
  }
  return Refused();
}

// A FHIR update of source record "src-<n>": checks it exists and its version, and makes sure the
// resolver finds that record. The resolver names a record by (sender, key identifier); the update
// keeps the record's sender, and when its identifiers give another key, the record is re-keyed
// first, so it is updated in place instead of a second record being made.
DbResult<std::optional<WriteOutcome>> prepare_patient_update(Db& db, const model::PatientRecord& update,
                                                             model::PatientRecord& out) {
  using Refused = std::optional<WriteOutcome>;
  const auto id = parse_source_record_id(update.target.id);
  if (!id) return Refused(refusal(kRefusedNotFound, "no Patient with the id of the update"));
  const std::string name = "Patient/" + update.target.id;
  std::string sender;
  mpi::IdentifierKey stored;
  {
    auto q = db.query("SELECT sender, key_system, key_value, version FROM source_records WHERE id = ?1",
                      "read update target");
    if (!q) return unexpected(q.error());
    q->bind(1, *id);
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row) return Refused(refusal(kRefusedNotFound, "no " + name));
    sender = q->text(0);
    stored = {q->text(1), q->text(2)};
    const std::int64_t version = q->int64(3);
    if (update.target.if_match && *update.target.if_match != version) {
      return Refused(refusal(kRefusedVersionConflict, name + " is at version " + std::to_string(version) + ", not " +
                                                          std::to_string(*update.target.if_match)));
    }
  }
  const auto key = mpi::source_key(update.patient.identifier);
  if (!key) return Refused(refusal(kRefusedInvalid, "patient has no identifier"));
  if (*key != stored) {
    auto q = db.query("SELECT id FROM source_records WHERE sender = ?1 AND key_system = ?2 AND key_value = ?3",
                      "re-key source record");
    if (!q) return unexpected(q.error());
    auto other = q->bind(1, sender).bind(2, key->system).bind(3, key->value).single_int64();
    if (!other) return unexpected(other.error());
    if (*other) {
      return Refused(refusal(kRefusedInvalid, "the identifiers of the update of " + name +
                                                  " name another record of the same sender"));
    }
    auto u = db.query("UPDATE source_records SET key_system = ?2, key_value = ?3 WHERE id = ?1", "re-key source record");
    if (!u) return unexpected(u.error());
    if (auto r = u->bind(1, *id).bind(2, key->system).bind(3, key->value).run(); !r) return unexpected(r.error());
  }
  out = update;
  out.sender = sender;
  return Refused();
}

// "ADT^A40 message 123" (or the FHIR interaction's type): what asked for an automatic merge.
std::string merge_reason(const model::ChangeSet& changes) {
  std::string out = changes.message_type.empty() ? std::string("merge request") : changes.message_type;
  if (!changes.message_control_id.empty()) out += " message " + changes.message_control_id;
  return out;
}

}  // namespace

DbResult<WriteOutcome> write_change_set(Db& db, const model::ChangeSet& changes, std::uint64_t envelope_id,
                                        std::chrono::year_month_day today, const mpi::Matcher& matcher) {
  if (has_resources(changes) && !changes.patient && !changes.subject) {
    return refusal(kRefusedInvalid, "change set has clinical resources but no patient");
  }
  SqliteIndexStore index(db, static_cast<std::int64_t>(envelope_id));
  Writer writer(db, changes, envelope_id);
  auto mpi_failure = [](const mpi::MpiError& e) -> DbResult<WriteOutcome> {
    if (e.retryable) return unexpected(DbError{0, e.message, true});
    return refusal(kRefusedInvalid, e.message);
  };

  std::optional<Subject> subject;
  if (changes.patient) {
    const model::PatientRecord* record = &*changes.patient;
    model::PatientRecord update;
    if (!record->target.id.empty()) {
      auto prepared = prepare_patient_update(db, *record, update);
      if (!prepared) return unexpected(prepared.error());
      if (*prepared) return std::move(**prepared);
      record = &update;
    }
    auto resolved = mpi::resolve(*record, index, today, matcher);
    if (!resolved) return mpi_failure(resolved.error());
    if (!record->target.id.empty() && "src-" + std::to_string(resolved->source_record) != record->target.id) {
      return unexpected(DbError{0, "update of a source record: the index resolved another record", false});
    }
    subject = Subject{resolved->source_record, resolved->golden};
  }
  for (const auto& request : changes.merges) {
    auto merged = mpi::merge(request, index, today);
    if (!merged) return mpi_failure(merged.error());
    if (merged->merge != 0) {
      if (auto r = writer.event("patients-merged", merged->surviving.golden, "Patient", merged->merged); !r) {
        return unexpected(r.error());
      }
      // An automatic operation: the sender asked for it; the reason names the message, not the patient.
      const mpi::Actor sender{changes.sender, merge_reason(changes), true};
      if (auto r = log_merge(db, merged->merge, merged->merged, merged->surviving.golden, sender); !r) {
        return unexpected(r.error());
      }
    }
  }
  if (subject && !changes.merges.empty()) {
    // A merge may have moved the change set's own patient: its resources follow the current link.
    auto q = db.query("SELECT golden_id FROM links WHERE source_record_id = ?1 AND undone IS NULL",
                      "read current link");
    if (!q) return unexpected(q.error());
    auto golden = q->bind(1, subject->record).single_int64();
    if (!golden) return unexpected(golden.error());
    if (*golden) subject->golden = **golden;
  }
  if (subject && changes.patient && !changes.patient->patient.link.empty()) {
    auto linked = apply_patient_links(db, changes, *subject);
    if (!linked) return unexpected(linked.error());
    if (*linked) return std::move(**linked);
    // A replaced-by moved the change set's own patient: its resources follow the current link.
    auto q = db.query("SELECT golden_id FROM links WHERE source_record_id = ?1 AND undone IS NULL",
                      "read current link");
    if (!q) return unexpected(q.error());
    auto golden = q->bind(1, subject->record).single_int64();
    if (!golden) return unexpected(golden.error());
    if (*golden) subject->golden = **golden;
  }
  if (!changes.patient && changes.subject) {
    auto found = resolve_subject(db, *changes.subject);
    if (!found) return unexpected(found.error());
    if (!*found) return refusal(kRefusedUnknownSubject, "the subject names no patient of the archive");
    subject = *found;
  }
  if (subject && has_resources(changes)) {
    auto written = writer.write_all(subject->record, subject->golden);
    if (!written) return unexpected(written.error());
    if (*written) return std::move(**written);
  }
  return WriteOutcome{};
}

}  // namespace medgw::crmstore::sqlite

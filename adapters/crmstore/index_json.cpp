#include "adapters/crmstore/index_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "adapters/crmstore/patient_fields.hpp"

namespace medgw::crmstore {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(JsonWriter& w, const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); }

void write_ids(JsonWriter& w, const std::vector<std::int64_t>& ids) {
  w.StartArray();
  for (auto id : ids) w.Int64(id);
  w.EndArray();
}

void write_id_or_null(JsonWriter& w, std::int64_t id) {
  if (id == 0) {
    w.Null();
  } else {
    w.Int64(id);
  }
}

void write_fields(JsonWriter& w, const std::optional<SqliteCrmStore::PatientView>& view) {
  const PatientFields f = view ? patient_fields(view->json) : PatientFields{};
  w.StartObject();
  w.Key("name");
  write_string(w, f.name);
  w.Key("birth_date");
  write_string(w, f.birth_date);
  w.Key("gender");
  write_string(w, f.gender);
  for (const auto& [key, list] : {std::pair{"identifiers", &f.identifiers}, std::pair{"phones", &f.phones},
                                  std::pair{"addresses", &f.addresses}}) {
    w.Key(key);
    w.StartArray();
    for (const auto& s : *list) write_string(w, s);
    w.EndArray();
  }
  w.EndObject();
}

std::string done(const rapidjson::StringBuffer& buffer) { return {buffer.GetString(), buffer.GetSize()}; }

}  // namespace

std::vector<std::int64_t> parse_id_array(const std::string& json) {
  std::vector<std::int64_t> out;
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsArray()) return out;
  for (const auto& v : d.GetArray()) {
    if (v.IsInt64()) out.push_back(v.GetInt64());
  }
  return out;
}

std::string review_json(const std::vector<SqliteCrmStore::ReviewView>& views) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& v : views) {
    w.StartObject();
    w.Key("id");
    w.Int64(v.task.id);
    w.Key("kind");
    write_string(w, v.task.kind);
    w.Key("status");
    write_string(w, v.task.status);
    w.Key("created");
    write_string(w, v.task.created);
    w.Key("reason");
    write_string(w, v.task.reason);
    w.Key("source_record");
    w.StartObject();
    w.Key("id");
    w.Int64(v.task.source_record);
    w.Key("sender");
    write_string(w, v.record ? v.record->sender : std::string());
    w.Key("fields");
    write_fields(w, v.record);
    w.EndObject();
    w.Key("golden");
    w.StartObject();
    w.Key("id");
    w.Int64(v.task.golden);
    w.Key("now");
    w.Int64(v.golden ? v.golden->id : 0);
    w.Key("fields");
    write_fields(w, v.golden);
    w.EndObject();
    w.Key("other_goldens");
    write_ids(w, parse_id_array(v.task.other_goldens));
    w.Key("candidates");
    w.StartArray();
    for (const auto& c : v.candidates) {
      w.StartObject();
      w.Key("id");
      w.Int64(c.id);
      w.Key("fields");
      write_fields(w, c);
      w.EndObject();
    }
    w.EndArray();
    w.Key("field_scores");
    rapidjson::Document scores;
    if (!v.task.field_scores.empty()) scores.Parse(v.task.field_scores.c_str(), v.task.field_scores.size());
    if (v.task.field_scores.empty() || scores.HasParseError()) {
      w.Null();
    } else {
      scores.Accept(w);
    }
    w.EndObject();
  }
  w.EndArray();
  return done(buffer);
}

std::string operation_json(const OperationResult& r) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("operation");
  w.Int64(r.operation);
  w.Key("kind");
  write_string(w, r.kind);
  if (r.source_record != 0) {
    w.Key("source_record");
    w.Int64(r.source_record);
  }
  w.Key("golden");
  w.Int64(r.golden);
  w.Key("other_golden");
  w.Int64(r.other_golden);
  if (r.merge != 0) {
    w.Key("merge");
    w.Int64(r.merge);
  }
  if (r.undid != 0) {
    w.Key("undid");
    w.Int64(r.undid);
  }
  w.Key("review_tasks");
  write_ids(w, r.review_tasks);
  w.EndObject();
  return done(buffer);
}

std::string history_json(const std::vector<OperationRow>& rows) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& r : rows) {
    w.StartObject();
    w.Key("id");
    w.Int64(r.id);
    w.Key("at");
    write_string(w, r.at);
    w.Key("kind");
    write_string(w, r.kind);
    w.Key("by");
    write_string(w, r.actor);
    w.Key("automatic");
    w.Bool(r.automatic);
    w.Key("reason");
    write_string(w, r.reason);
    w.Key("source_record");
    write_id_or_null(w, r.source_record);
    w.Key("golden");
    w.Int64(r.golden);
    w.Key("other_golden");
    w.Int64(r.other_golden);
    w.Key("merge");
    write_id_or_null(w, r.merge);
    w.Key("review_tasks");
    write_ids(w, parse_id_array(r.review_tasks));
    w.Key("undoes");
    write_id_or_null(w, r.undoes);
    w.Key("undone_by");
    write_id_or_null(w, r.undone_by);
    w.EndObject();
  }
  w.EndArray();
  return done(buffer);
}

}  // namespace medgw::crmstore

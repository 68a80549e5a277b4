#include "mappings/model/change_set_json.hpp"

#include "mappings/model/fhir_writer.hpp"

namespace medgw::model {
namespace {

using W = json::PrettyWriter;

void string_member(W& w, const char* key, const std::string& value) {
  w.Key(key);
  json::write_string(w, value);
}

void write_patient_record(W& w, const PatientRecord& p) {
  w.StartObject();
  string_member(w, "sender", p.sender);
  w.Key("resource");
  json::write_resource(w, p.patient);
  w.EndObject();
}

template <class R>
void keyed_array(W& w, const char* key, const std::vector<Keyed<R>>& items) {
  w.Key(key);
  w.StartArray();
  for (const Keyed<R>& item : items) {
    w.StartObject();
    string_member(w, "key", item.key);
    w.Key("resource");
    json::write_resource(w, item.resource);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string to_json(const ChangeSet& c) {
  rapidjson::StringBuffer buffer;
  W w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  string_member(w, "messageType", c.message_type);
  string_member(w, "messageControlId", c.message_control_id);
  string_member(w, "sender", c.sender);
  string_member(w, "eventTime", c.event_time);
  w.Key("patient");
  if (c.patient) {
    write_patient_record(w, *c.patient);
  } else {
    w.Null();
  }
  keyed_array(w, "encounters", c.encounters);
  keyed_array(w, "orders", c.orders);
  keyed_array(w, "reports", c.reports);
  keyed_array(w, "observations", c.observations);
  keyed_array(w, "documents", c.documents);
  keyed_array(w, "studies", c.studies);
  w.Key("merges");
  w.StartArray();
  for (const MergeRequest& m : c.merges) {
    w.StartObject();
    w.Key("surviving");
    write_patient_record(w, m.surviving);
    w.Key("prior");
    w.StartArray();
    for (const Identifier& id : m.prior) json::write_identifier(w, id);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("warnings");
  w.StartArray();
  for (const std::string& warning : c.warnings) json::write_string(w, warning);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace medgw::model

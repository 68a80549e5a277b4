#include "adapters/fhir/poll_envelope.hpp"

#include <rapidjson/stringbuffer.h>

#include "mappings/fhir/interaction.hpp"
#include "mappings/model/fhir_writer.hpp"

namespace medgw::fhir {
namespace {

using W = model::json::CompactWriter;
using rapidjson::Value;

const Value* member(const Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  const auto m = v.FindMember(name);
  return m == v.MemberEnd() ? nullptr : &m->value;
}

// Writes a value as parsed, numbers as their text. Depth is bounded by the parse (kMaxJsonDepth).
void write_value(const JsonDocument& doc, const Value& v, W& w) {
  if (doc.is_number(v)) {
    w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
  } else if (v.IsString()) {
    model::json::write_string(w, text_of(v));
  } else if (v.IsBool()) {
    w.Bool(v.GetBool());
  } else if (v.IsNull()) {
    w.Null();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const Value& item : v.GetArray()) write_value(doc, item, w);
    w.EndArray();
  } else {
    w.StartObject();
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      model::json::write_string(w, text_of(m->name));
      write_value(doc, m->value, w);
    }
    w.EndObject();
  }
}

model::Identifier upstream_identifier(std::string_view upstream, std::string_view id) {
  model::Identifier ident;
  ident.system = upstream_patient_system(upstream);
  ident.value = std::string(id);
  ident.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "PI", ""});
  return ident;
}

// The subject as a logical reference to the upstream patient; the reference's other elements
// (display, type, extensions) kept.
void write_subject(const JsonDocument& doc, const Value& subject, std::string_view upstream,
                   std::string_view patient_id, W& w) {
  w.StartObject();
  for (auto m = subject.MemberBegin(); m != subject.MemberEnd(); ++m) {
    const std::string_view name = text_of(m->name);
    if (name == "reference" || name == "identifier") continue;
    model::json::write_string(w, name);
    write_value(doc, m->value, w);
  }
  w.Key("identifier");
  w.StartObject();
  w.Key("system");
  model::json::write_string(w, upstream_patient_system(upstream));
  w.Key("value");
  model::json::write_string(w, patient_id);
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string upstream_patient_system(std::string_view upstream) {
  return std::string(kUpstreamPatientSystemPrefix) + std::string(upstream) + ":Patient";
}

std::string upstream_patient_id(std::string_view ref, std::string_view base_url) {
  if (!base_url.empty() && ref.size() > base_url.size() && ref.starts_with(base_url) && ref[base_url.size()] == '/') {
    ref.remove_prefix(base_url.size() + 1);
  }
  if (!ref.starts_with("Patient/")) return {};
  ref.remove_prefix(8);
  if (const auto slash = ref.find('/'); slash != std::string_view::npos) {
    if (ref.substr(slash).starts_with("/_history/")) {
      ref = ref.substr(0, slash);
    } else {
      return {};
    }
  }
  if (ref.empty() || ref.find_first_of(":?#") != std::string_view::npos) return {};
  return std::string(ref);
}

PolledResource polled_envelope(std::string_view upstream, std::string_view base_url, const JsonDocument& doc,
                               const PolledEntry& entry, std::int64_t now_ms) {
  PolledResource out;
  const Value& r = *entry.resource;
  std::string subject_identifier;  // "<system>|<value>" of a subject given by identifier
  if (entry.type == "Patient") {
    out.patient_id = entry.id;
  } else if (const Value* subject = member(r, "subject")) {
    if (const Value* ref = member(*subject, "reference"); ref != nullptr && doc.is_string(*ref)) {
      out.patient_id = upstream_patient_id(text_of(*ref), base_url);
    } else if (const Value* ident = member(*subject, "identifier")) {
      const Value* system = member(*ident, "system");
      const Value* value = member(*ident, "value");
      if (system != nullptr && value != nullptr && doc.is_string(*system) && doc.is_string(*value)) {
        subject_identifier = std::string(text_of(*system)) + "|" + std::string(text_of(*value));
      }
    }
  }

  rapidjson::StringBuffer buffer;
  W w(buffer);
  w.StartObject();
  bool wrote_identifier = false;
  const auto put_identifier = [&] {
    model::json::write_identifier(w, upstream_identifier(upstream, entry.id));
    wrote_identifier = true;
  };
  for (auto m = r.MemberBegin(); m != r.MemberEnd(); ++m) {
    const std::string_view name = text_of(m->name);
    if (entry.type == "Patient" && name == "identifier" && m->value.IsArray()) {
      w.Key("identifier");
      w.StartArray();
      put_identifier();
      for (const Value& item : m->value.GetArray()) write_value(doc, item, w);
      w.EndArray();
      continue;
    }
    if (entry.type != "Patient" && name == "subject" && !out.patient_id.empty() && m->value.IsObject()) {
      w.Key("subject");
      write_subject(doc, m->value, upstream, out.patient_id, w);
      continue;
    }
    model::json::write_string(w, name);
    write_value(doc, m->value, w);
  }
  if (entry.type == "Patient" && !wrote_identifier) {
    w.Key("identifier");
    w.StartArray();
    put_identifier();
    w.EndArray();
  }
  w.EndObject();

  Interaction in;
  in.kind = InteractionKind::kCreate;
  in.client = std::string(upstream);
  in.type = entry.type;
  in.key = entry.id;
  in.body = std::string(buffer.GetString(), buffer.GetSize());

  Envelope& e = out.envelope;
  e.source = std::string(upstream);
  e.received_at_ms = now_ms;
  e.content_type = kContentTypeFhirInteraction;
  e.raw = interaction_json(in);
  e.dedupe_key = std::string(upstream) + "|" + entry.type + "/" + entry.id + "/_history/" +
                 (entry.version_id.empty() ? entry.last_updated : entry.version_id);
  const std::string sender = "FHIR^" + std::string(upstream) + "|";
  if (!out.patient_id.empty()) {
    e.ordering_key = sender + "Patient/" + out.patient_id;
  } else if (!subject_identifier.empty()) {
    e.ordering_key = sender + subject_identifier;
  } else {
    e.ordering_key = sender + entry.type + "/" + entry.id;
  }
  return out;
}

}  // namespace medgw::fhir

#include "adapters/crmstore/golden_patient.hpp"

#include "adapters/crmstore/exact_json.hpp"
#include <set>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medgw::crmstore {
namespace {

std::string member_text(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::string compose_golden_patient(std::int64_t golden_id, const std::vector<std::string>& source_records) {
  std::vector<rapidjson::Document> docs(source_records.size());
  for (std::size_t i = 0; i < source_records.size(); ++i) (void)parse_exact(docs[i], source_records[i]);

  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  const std::string id = std::to_string(golden_id);

  auto write_identifiers = [&] {
    w.Key("identifier");
    w.StartArray();
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& d : docs) {
      if (!d.IsObject() || !d.HasMember("identifier") || !d["identifier"].IsArray()) continue;
      for (const auto& ident : d["identifier"].GetArray()) {
        if (seen.emplace(member_text(ident, "system"), member_text(ident, "value")).second) write_exact(ident, w);
      }
    }
    w.EndArray();
  };

  w.StartObject();
  const rapidjson::Document* latest = nullptr;
  for (const auto& d : docs) {
    if (d.IsObject()) latest = &d;
  }
  bool wrote_identifiers = false;
  if (latest == nullptr) {
    w.Key("resourceType");
    w.String("Patient");
    w.Key("id");
    w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
  } else {
    for (const auto& m : latest->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      // The store's links, the record's own meta and narrative do not describe the golden patient.
      if (name == "link" || name == "meta" || name == "text") continue;
      if (name == "identifier") {
        write_identifiers();
        wrote_identifiers = true;
        continue;
      }
      w.Key(m.name.GetString(), m.name.GetStringLength());
      if (name == "id") {
        w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
        if (!latest->HasMember("identifier")) {
          write_identifiers();
          wrote_identifiers = true;
        }
      } else {
        write_exact(m.value, w);
      }
    }
  }
  if (!wrote_identifiers) write_identifiers();
  w.Key("link");
  w.StartArray();
  for (const auto& d : docs) {
    const std::string src = member_text(d, "id");
    if (src.empty()) continue;
    w.StartObject();
    w.Key("other");
    w.StartObject();
    w.Key("reference");
    const std::string ref = "Patient/" + src;
    w.String(ref.c_str(), static_cast<rapidjson::SizeType>(ref.size()));
    w.EndObject();
    w.Key("type");
    w.String("seealso");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace medgw::crmstore

#include "adapters/crmstore/golden_patient.hpp"

#include "adapters/crmstore/exact_json.hpp"
#include <algorithm>
#include <array>
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

// A field counts as present when it has a value: an empty array or string says nothing.
bool has_field(const rapidjson::Value& doc, const char* name) {
  if (!doc.IsObject()) return false;
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || it->value.IsNull()) return false;
  if (it->value.IsArray()) return !it->value.Empty();
  if (it->value.IsString()) return it->value.GetStringLength() > 0;
  return true;
}

struct Ranked {
  const rapidjson::Document* doc;
  std::size_t trust;  // index in trusted_senders; trusted_senders.size() when unranked
  std::size_t recency;  // position when ordered by update, oldest first
};

// The record a rule takes `field` from; nullptr when none has it.
const rapidjson::Document* choose(const std::vector<Ranked>& records, const char* field, SurvivorshipRule rule) {
  const Ranked* best = nullptr;
  for (const auto& r : records) {
    if (!has_field(*r.doc, field)) continue;
    if (best == nullptr) {
      best = &r;
      continue;
    }
    const bool by_trust = rule == SurvivorshipRule::kMostTrusted && r.trust != best->trust;
    if (by_trust ? r.trust < best->trust : r.recency > best->recency) best = &r;
  }
  return best ? best->doc : nullptr;
}

}  // namespace

std::string compose_golden_patient(std::int64_t golden_id, const std::vector<SourceRecordDocument>& source_records,
                                   const SurvivorshipRules& rules) {
  // Most recently updated last; records updated at the same instant keep their write order.
  std::vector<std::size_t> order(source_records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return source_records[a].updated < source_records[b].updated;
  });
  std::vector<rapidjson::Document> docs(source_records.size());
  std::vector<Ranked> ranked;
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const auto& rec = source_records[order[pos]];
    rapidjson::Document& d = docs[pos];
    (void)parse_exact(d, rec.json);
    if (!d.IsObject()) continue;
    const auto it = std::find(rules.trusted_senders.begin(), rules.trusted_senders.end(), rec.sender);
    ranked.push_back({&d, static_cast<std::size_t>(it - rules.trusted_senders.begin()), pos});
  }

  struct Chosen {
    const char* field;
    const rapidjson::Document* from;
    bool written = false;
  };
  std::array<Chosen, 5> chosen{{{"name", choose(ranked, "name", rules.name)},
                                {"birthDate", choose(ranked, "birthDate", rules.birth_date)},
                                {"gender", choose(ranked, "gender", rules.gender)},
                                {"telecom", choose(ranked, "telecom", rules.telecom)},
                                {"address", choose(ranked, "address", rules.address)}}};
  auto chosen_for = [&](std::string_view name) -> Chosen* {
    for (auto& c : chosen) {
      if (name == c.field) return &c;
    }
    return nullptr;
  };

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
  auto write_chosen = [&](Chosen& c) {
    c.written = true;
    if (c.from == nullptr) return;
    w.Key(c.field);
    write_exact((*c.from)[c.field], w);
  };

  w.StartObject();
  const rapidjson::Document* latest = ranked.empty() ? nullptr : ranked.back().doc;
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
      if (Chosen* c = chosen_for(name)) {
        write_chosen(*c);
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
  // Fields the latest record lacks, taken from an older one.
  for (auto& c : chosen) {
    if (!c.written) write_chosen(c);
  }
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

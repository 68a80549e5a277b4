#include "adapters/crmstore/search_index.hpp"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medgw::crmstore::sqlite {
namespace {

using rapidjson::Value;

std::string text_of(const Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const Value* member(const Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

class Tokens {
 public:
  void add(std::string_view param, std::string system, std::string code) {
    if (code.empty()) return;
    SearchToken t{std::string(param), std::move(system), std::move(code)};
    if (std::find(out_.begin(), out_.end(), t) == out_.end()) out_.push_back(std::move(t));
  }
  void coding(std::string_view param, const Value* c) {
    if (c != nullptr) add(param, text_of(*c, "system"), text_of(*c, "code"));
  }
  void codings(std::string_view param, const Value* array) {
    if (array == nullptr || !array->IsArray()) return;
    for (const auto& c : array->GetArray()) coding(param, &c);
  }
  void concept_(std::string_view param, const Value* cc) {
    if (cc != nullptr) codings(param, member(*cc, "coding"));
  }
  void concepts(std::string_view param, const Value* array) {
    if (array == nullptr || !array->IsArray()) return;
    for (const auto& cc : array->GetArray()) concept_(param, &cc);
  }
  void identifier(const Value* id) {
    if (id != nullptr) add("identifier", text_of(*id, "system"), text_of(*id, "value"));
  }
  void identifiers(const Value* array) {
    if (array == nullptr || !array->IsArray()) return;
    for (const auto& id : array->GetArray()) identifier(&id);
  }
  std::vector<SearchToken> take() { return std::move(out_); }

 private:
  std::vector<SearchToken> out_;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }


std::vector<SearchToken> tokens_of(std::string_view resource_type, const Value& d) {
  if (!d.IsObject()) return {};
  Tokens t;
  const std::string_view type = resource_type;
  if (type == "Encounter") {
    t.coding("code", member(d, "class"));
    t.concepts("code", member(d, "type"));
  } else if (type == "DocumentReference") {
    t.concept_("code", member(d, "type"));
  } else if (type == "ImagingStudy") {
    t.codings("code", member(d, "modality"));
  } else if (type != "Patient") {
    t.concept_("code", member(d, "code"));
  }
  if (type != "Patient" && type != "Encounter" && type != "ImagingStudy") t.concepts("category", member(d, "category"));
  if (type == "DocumentReference") t.identifier(member(d, "masterIdentifier"));
  t.identifiers(member(d, "identifier"));
  if (type != "Patient") t.add("status", "", text_of(d, "status"));
  return t.take();
}

std::vector<std::string> name_parts_of(const Value& d) {
  std::vector<std::string> out;
  if (!d.IsObject()) return out;
  auto add = [&](std::string_view raw) {
    std::string p = normalise_name_part(raw);
    if (!p.empty() && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  const Value* names = member(d, "name");
  if (names == nullptr || !names->IsArray()) return out;
  for (const auto& n : names->GetArray()) {
    add(text_of(n, "family"));
    if (const Value* given = member(n, "given"); given != nullptr && given->IsArray()) {
      for (const auto& g : given->GetArray()) {
        if (g.IsString()) add({g.GetString(), g.GetStringLength()});
      }
    }
    const std::string text = text_of(n, "text");
    add(text);
    // "John Smith" is also found by "smi": each word of a text of several words.
    std::string_view rest = text;
    while (!rest.empty()) {
      while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
      std::size_t end = 0;
      while (end < rest.size() && !is_space(rest[end])) ++end;
      if (end > 0 && end < text.size()) add(rest.substr(0, end));
      rest.remove_prefix(end);
    }
  }
  return out;
}

// Inserts token rows given as a JSON array of [type, id, param, system, code]: one statement
// however many rows.
DbResult<Ok> insert_tokens(Db& db, const std::string& rows) {
  auto q = db.query(
      "INSERT INTO resource_tokens (resource_type, resource_id, param, system, code) "
      "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1)",
      "write search tokens");
  if (!q) return unexpected(q.error());
  return q->bind(1, rows).run();
}

class TokenRows {
 public:
  TokenRows() : w_(buf_) { w_.StartArray(); }
  void add(std::string_view type, std::int64_t id, const std::vector<SearchToken>& tokens) {
    for (const auto& t : tokens) {
      w_.StartArray();
      w_.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
      w_.Int64(id);
      w_.String(t.param.data(), static_cast<rapidjson::SizeType>(t.param.size()));
      w_.String(t.system.data(), static_cast<rapidjson::SizeType>(t.system.size()));
      w_.String(t.code.data(), static_cast<rapidjson::SizeType>(t.code.size()));
      w_.EndArray();
      ++count_;
    }
  }
  bool empty() const { return count_ == 0; }
  std::string take() {
    w_.EndArray();
    return {buf_.GetString(), buf_.GetSize()};
  }

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
  std::size_t count_ = 0;
};

DbResult<Ok> delete_tokens(Db& db, std::string_view resource_type, std::int64_t resource_id) {
  auto q = db.query("DELETE FROM resource_tokens WHERE resource_type = ?1 AND resource_id = ?2",
                    "replace search tokens");
  if (!q) return unexpected(q.error());
  return q->bind(1, resource_type).bind(2, resource_id).run();
}

}  // namespace

std::vector<SearchToken> search_tokens(std::string_view resource_type, std::string_view resource_json) {
  rapidjson::Document d;
  d.Parse(resource_json.data(), resource_json.size());
  if (d.HasParseError()) return {};
  return tokens_of(resource_type, d);
}

std::string normalise_name_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  bool space = false;
  for (char c : part) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::vector<std::string> patient_name_parts(std::string_view patient_json) {
  rapidjson::Document d;
  d.Parse(patient_json.data(), patient_json.size());
  if (d.HasParseError()) return {};
  return name_parts_of(d);
}

DbResult<Ok> write_search_tokens(Db& db, std::string_view resource_type, std::int64_t resource_id,
                                 std::string_view resource_json) {
  const IndexedResource one{resource_type, resource_id, resource_json, true};
  return write_search_tokens(db, std::span<const IndexedResource>(&one, 1));
}

DbResult<Ok> write_search_tokens(Db& db, std::span<const IndexedResource> resources) {
  TokenRows rows;
  for (const auto& r : resources) {
    if (r.replaces) {
      if (auto d = delete_tokens(db, r.type, r.id); !d) return d;
    }
    rows.add(r.type, r.id, search_tokens(r.type, r.json));
  }
  if (rows.empty()) return Ok{};
  return insert_tokens(db, rows.take());
}

DbResult<Ok> write_patient_search(Db& db, std::int64_t source_record_id, std::string_view patient_json,
                                  bool replaces) {
  rapidjson::Document d;
  d.Parse(patient_json.data(), patient_json.size());
  const bool ok = !d.HasParseError() && d.IsObject();
  if (replaces) {
    if (auto r = delete_tokens(db, "Patient", source_record_id); !r) return r;
    auto q = db.query("DELETE FROM patient_names WHERE source_record_id = ?1", "replace patient names");
    if (!q) return unexpected(q.error());
    if (auto r = q->bind(1, source_record_id).run(); !r) return r;
  }
  if (ok) {
    TokenRows rows;
    rows.add("Patient", source_record_id, tokens_of("Patient", d));
    if (!rows.empty()) {
      if (auto r = insert_tokens(db, rows.take()); !r) return r;
    }
    const auto parts = name_parts_of(d);
    if (!parts.empty()) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      w.StartArray();
      for (const auto& p : parts) w.String(p.data(), static_cast<rapidjson::SizeType>(p.size()));
      w.EndArray();
      auto q = db.query("INSERT INTO patient_names (source_record_id, part) SELECT ?1, value FROM json_each(?2)",
                        "write patient names");
      if (!q) return unexpected(q.error());
      if (auto r = q->bind(1, source_record_id).bind(2, std::string_view(buf.GetString(), buf.GetSize())).run(); !r) {
        return r;
      }
    }
  }
  auto q = db.query("UPDATE source_records SET birth_date = ?2, gender = ?3 WHERE id = ?1", "write patient search");
  if (!q) return unexpected(q.error());
  return q->bind(1, source_record_id)
      .bind(2, ok ? text_of(d, "birthDate") : std::string())
      .bind(3, ok ? text_of(d, "gender") : std::string())
      .run();
}

}  // namespace medgw::crmstore::sqlite

#include "adapters/crmstore/patient_fields.hpp"

#include <rapidjson/document.h>

namespace medgw::crmstore {
namespace {

std::string text(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

void append_words(std::string& out, const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return;
  auto it = v.FindMember(name);
  if (it == v.MemberEnd()) return;
  auto add = [&](const rapidjson::Value& s) {
    if (!s.IsString() || s.GetStringLength() == 0) return;
    if (!out.empty()) out += ' ';
    out.append(s.GetString(), s.GetStringLength());
  };
  if (it->value.IsArray()) {
    for (const auto& s : it->value.GetArray()) add(s);
  } else {
    add(it->value);
  }
}

const rapidjson::Value* array_of(const rapidjson::Value& d, const char* name) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

}  // namespace

PatientFields patient_fields(const std::string& patient_json) {
  PatientFields f;
  rapidjson::Document d;
  d.Parse(patient_json.c_str(), patient_json.size());
  if (d.HasParseError() || !d.IsObject()) return f;
  if (const auto* names = array_of(d, "name"); names && !names->Empty()) {
    const auto& n = (*names)[0];
    f.name = text(n, "text");
    if (f.name.empty()) {
      append_words(f.name, n, "family");
      append_words(f.name, n, "given");
    }
  }
  f.birth_date = text(d, "birthDate");
  f.gender = text(d, "gender");
  if (const auto* ids = array_of(d, "identifier")) {
    for (const auto& i : ids->GetArray()) {
      const std::string value = text(i, "value");
      if (!value.empty()) f.identifiers.push_back(text(i, "system") + "|" + value);
    }
  }
  if (const auto* telecom = array_of(d, "telecom")) {
    for (bool phones : {true, false}) {
      for (const auto& t : telecom->GetArray()) {
        const std::string value = text(t, "value");
        if (!value.empty() && (text(t, "system") == "phone") == phones) f.phones.push_back(value);
      }
    }
  }
  if (const auto* addresses = array_of(d, "address")) {
    for (const auto& a : addresses->GetArray()) {
      std::string s = text(a, "text");
      if (s.empty()) {
        for (const char* part : {"line", "city", "district", "state", "postalCode", "country"}) append_words(s, a, part);
      }
      if (!s.empty()) f.addresses.push_back(s);
    }
  }
  return f;
}

}  // namespace medgw::crmstore

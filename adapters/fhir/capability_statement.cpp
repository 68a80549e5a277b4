#include "adapters/fhir/capability_statement.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>
#include <vector>

namespace medgw::fhir {
namespace {

struct SearchParamInfo {
  const char* name;
  const char* type;
};

struct TypeInfo {
  const char* type;
  std::vector<SearchParamInfo> params;
};

// The search parameters crmstore::ArchiveReader implements (search_query.hpp).
const std::vector<TypeInfo>& types() {
  static const std::vector<TypeInfo> kTypes{
      {"Patient", {{"_id", "token"}, {"identifier", "token"}, {"name", "string"}, {"family", "string"},
                   {"given", "string"}, {"birthdate", "date"}, {"gender", "token"}}},
      {"Encounter", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"class", "token"},
                     {"type", "token"}, {"status", "token"}, {"date", "date"}}},
      {"Observation", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"code", "token"},
                       {"category", "token"}, {"status", "token"}, {"date", "date"}}},
      {"DiagnosticReport", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"code", "token"},
                            {"category", "token"}, {"status", "token"}, {"date", "date"}}},
      {"ServiceRequest", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"code", "token"},
                          {"category", "token"}, {"status", "token"}, {"authored", "date"}}},
      {"DocumentReference", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"type", "token"},
                             {"category", "token"}, {"status", "token"}, {"date", "date"}}},
      {"ImagingStudy", {{"_id", "token"}, {"patient", "reference"}, {"subject", "reference"}, {"modality", "token"},
                        {"status", "token"}, {"started", "date"}}},
  };
  return kTypes;
}

}  // namespace

std::string capability_statement_json(const std::string& base_url, bool writable) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto kv = [&](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  w.StartObject();
  kv("resourceType", "CapabilityStatement");
  kv("status", "active");
  kv("date", date);
  kv("kind", "instance");
  w.Key("software");
  w.StartObject();
  kv("name", "medgw");
  kv("version", "0.1.0");
  w.EndObject();
  w.Key("implementation");
  w.StartObject();
  kv("description", "medgw health archive");
  kv("url", base_url);
  w.EndObject();
  kv("fhirVersion", "4.0.1");
  w.Key("format");
  w.StartArray();
  for (const char* f : {"application/fhir+json", "json", "application/fhir+xml", "xml"}) w.String(f);
  w.EndArray();
  w.Key("rest");
  w.StartArray();
  w.StartObject();
  kv("mode", "server");
  w.Key("security");
  w.StartObject();
  w.Key("service");
  w.StartArray();
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  w.StartObject();
  kv("system", "http://terminology.hl7.org/CodeSystem/restful-security-service");
  kv("code", "SMART-on-FHIR");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  kv("description",
     "Bearer tokens: static API keys or RS256/ES256 JWTs, with SMART system scopes "
     "(system/<Type>.read|write, system/*.*, v2 letters). Every read of patient data is audited.");
  w.EndObject();
  w.Key("resource");
  w.StartArray();
  for (const auto& t : types()) {
    w.StartObject();
    kv("type", t.type);
    w.Key("interaction");
    w.StartArray();
    std::vector<const char*> interactions{"read", "vread", "history-instance", "search-type"};
    if (writable) {
      interactions.push_back("create");
      interactions.push_back("update");
    }
    for (const char* i : interactions) {
      w.StartObject();
      kv("code", i);
      w.EndObject();
    }
    w.EndArray();
    kv("versioning", "versioned-update");
    w.Key("readHistory");
    w.Bool(true);
    w.Key("updateCreate");
    w.Bool(false);
    w.Key("conditionalCreate");
    w.Bool(writable);
    w.Key("conditionalUpdate");
    w.Bool(false);
    kv("conditionalDelete", "not-supported");
    if (std::string_view(t.type) == "DiagnosticReport") {
      w.Key("searchInclude");
      w.StartArray();
      w.String("DiagnosticReport:result");
      w.EndArray();
    }
    w.Key("searchParam");
    w.StartArray();
    for (const auto& p : t.params) {
      w.StartObject();
      kv("name", p.name);
      kv("type", p.type);
      w.EndObject();
    }
    w.EndArray();
    if (std::string_view(t.type) == "Patient") {
      w.Key("operation");
      w.StartArray();
      w.StartObject();
      kv("name", "everything");
      kv("definition", "http://hl7.org/fhir/OperationDefinition/Patient-everything");
      w.EndObject();
      w.StartObject();
      kv("name", "match");
      kv("definition", "http://hl7.org/fhir/OperationDefinition/Patient-match");
      w.EndObject();
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  if (writable) {
    w.Key("interaction");
    w.StartArray();
    for (const char* i : {"transaction", "batch"}) {
      w.StartObject();
      kv("code", i);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace medgw::fhir

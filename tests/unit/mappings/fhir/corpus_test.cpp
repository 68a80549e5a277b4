// The official FHIR R4 examples (../shared/corpus/fhir-r4/json, see its SOURCES.md): every example
// of a type medgw validates must validate without errors (they are valid by definition, so an
// error here is a mistake in our tables or rules); every Patient and clinical example maps as a
// create unless its subject is not a patient; transactions map or are refused only for what medgw
// does not take, with the reasons printed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "mappings/fhir/entries.hpp"
#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/map_interaction.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/validate.hpp"
#include "tests/support/corpus_files.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

namespace fs = std::filesystem;

#define MEDGW_REQUIRE_FHIR_CORPUS()                                                                  \
  do {                                                                                               \
    std::error_code ec;                                                                              \
    if (!fs::is_directory(test::fhir_corpus_dir(), ec)) {                                            \
      GTEST_SKIP() << "FHIR R4 corpus absent: " << test::fhir_corpus_dir().string()                  \
                   << " is not a directory, so the corpus checks are skipped (the corpus is "        \
                      "../shared/corpus/fhir-r4/json next to the repository; MEDGW_FHIR_CORPUS_DIR " \
                      "overrides it)";                                                               \
    }                                                                                                \
  } while (false)

struct Example {
  fs::path file;
  std::string text;
  std::string type;
  std::string bundle_type;
};

std::vector<Example> examples() {
  std::vector<Example> out;
  for (const fs::path& file : test_support::corpus_files(test::fhir_corpus_dir())) {
    if (file.extension() != ".json") continue;
    Example e{file, test::read_file(file), {}, {}};
    auto doc = JsonDocument::parse(e.text);
    if (!doc) {
      ADD_FAILURE() << file << ": " << doc.error().diagnostics;
      continue;
    }
    const auto& root = doc->root();
    if (root.HasMember("resourceType") && root["resourceType"].IsString()) e.type = root["resourceType"].GetString();
    if (root.HasMember("type") && root["type"].IsString()) e.bundle_type = root["type"].GetString();
    out.push_back(std::move(e));
  }
  return out;
}

bool only_about(const std::vector<Issue>& issues, const std::string& part) {
  for (const Issue& i : test::errors_of(issues)) {
    if (i.expression.find(part) == std::string::npos && i.diagnostics.find(part) == std::string::npos) return false;
  }
  return true;
}

TEST(FhirCorpus, EverySupportedExampleValidates) {
  MEDGW_REQUIRE_FHIR_CORPUS();
  std::size_t validated = 0;
  for (const Example& e : examples()) {
    if (!is_supported_resource(e.type)) continue;
    const std::vector<Issue> issues = validate_json(e.text);
    EXPECT_TRUE(test::errors_of(issues).empty()) << e.file.filename() << "\n" << test::describe(issues);
    ++validated;
  }
  std::cout << "validated " << validated << " examples\n";
  EXPECT_GE(validated, 90u);  // the corpus holds 94 of the supported types
}

TEST(FhirCorpus, EveryPatientAndClinicalExampleMapsAsACreate) {
  MEDGW_REQUIRE_FHIR_CORPUS();
  std::size_t mapped = 0, refused = 0;
  for (const Example& e : examples()) {
    if (!is_mappable_type(e.type)) continue;
    Interaction in;
    in.client = "corpus";
    in.type = e.type;
    in.key = "00000000-0000-4000-8000-000000000000";
    in.body = e.text;
    auto cs = map_interaction(in);
    if (cs) {
      ++mapped;
      continue;
    }
    // The only refusal allowed: a subject medgw cannot file under a patient (a Group, none, ...).
    EXPECT_TRUE(only_about(cs.error().issues, ".subject")) << e.file.filename() << "\n"
                                                           << test::describe(cs.error().issues);
    std::cout << "not mapped: " << e.file.filename().string() << ": " << cs.error().issues.front().diagnostics << "\n";
    ++refused;
  }
  std::cout << "mapped " << mapped << ", refused for their subject " << refused << "\n";
  EXPECT_GT(mapped, 60u);
}

TEST(FhirCorpus, TransactionsMapOrAreRefusedForWhatMedgwDoesNotTake) {
  MEDGW_REQUIRE_FHIR_CORPUS();
  std::size_t transactions = 0;
  for (const Example& e : examples()) {
    if (e.type != "Bundle" || e.bundle_type != "transaction") continue;
    ++transactions;
    Interaction in;
    in.kind = InteractionKind::kTransaction;
    in.client = "corpus";
    in.type = "Bundle";
    in.key = "00000000-0000-4000-8000-000000000000";
    in.body = e.text;
    auto cs = map_interaction(in);
    if (cs) continue;
    // Skipped with a reason: unsupported entries (DELETE, Practitioner, ...) or several patients.
    for (const Issue& i : test::errors_of(cs.error().issues)) {
      EXPECT_TRUE(i.code == issue_code::kNotSupported || i.diagnostics.find("one patient") != std::string::npos)
          << e.file.filename() << ": " << test::describe({i});
    }
    const Issue first = test::errors_of(cs.error().issues).at(0);
    std::cout << "transaction not mapped: " << e.file.filename().string() << ": " << first.expression << " "
              << first.diagnostics << "\n";
  }
  EXPECT_GT(transactions, 0u);
}

// A transaction built from the examples about Patient/example: that Patient as a new entry and
// every resource whose subject is Patient/example pointing at it by urn:uuid. It maps to one
// change set with the patient and all of them; without the Patient entry, to the same resources
// under ChangeSet.subject "example".
std::string corpus_transaction(bool with_patient, std::size_t& resources) {
  constexpr const char* kPatientUrl = "urn:uuid:0b2f6f0a-7e58-4f0e-9c1d-2a3b4c5d6e7f";
  rapidjson::Document bundle(rapidjson::kObjectType);
  auto& a = bundle.GetAllocator();
  bundle.AddMember("resourceType", "Bundle", a);
  bundle.AddMember("type", "transaction", a);
  rapidjson::Value entries(rapidjson::kArrayType);
  resources = 0;
  for (const Example& e : examples()) {
    rapidjson::Document r(&a);
    r.Parse(e.text.data(), e.text.size());
    const bool patient = e.file.filename() == "Patient-example.json";
    const bool about_patient = is_mappable_type(e.type) && r.HasMember("subject") && r["subject"].IsObject() &&
                               r["subject"].HasMember("reference") &&
                               std::string(r["subject"]["reference"].GetString()) == "Patient/example";
    if (!(patient && with_patient) && !about_patient) continue;
    if (about_patient && with_patient) r["subject"]["reference"].SetString(kPatientUrl, a);
    rapidjson::Value entry(rapidjson::kObjectType);
    if (patient) entry.AddMember("fullUrl", rapidjson::StringRef(kPatientUrl), a);
    rapidjson::Value request(rapidjson::kObjectType);
    request.AddMember("method", "POST", a);
    request.AddMember("url", rapidjson::Value(e.type.c_str(), a), a);
    entry.AddMember("resource", rapidjson::Value(r, a), a);
    entry.AddMember("request", request, a);
    entries.PushBack(entry, a);
    ++resources;
  }
  bundle.AddMember("entry", entries, a);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  bundle.Accept(w);
  return buffer.GetString();
}

TEST(FhirCorpus, ATransactionOfOnePatientsExamplesMaps) {
  MEDGW_REQUIRE_FHIR_CORPUS();
  for (const bool with_patient : {true, false}) {
    Interaction in;
    in.kind = InteractionKind::kTransaction;
    in.client = "corpus";
    in.type = "Bundle";
    in.key = "00000000-0000-4000-8000-000000000000";
    std::size_t resources = 0;
    in.body = corpus_transaction(with_patient, resources);
    ASSERT_GT(resources, 20u);
    auto cs = map_interaction(in);
    ASSERT_TRUE(cs.has_value()) << test::describe(cs.error().issues);
    EXPECT_EQ(cs->patient.has_value(), with_patient);
    EXPECT_EQ(cs->subject.has_value(), !with_patient);
    if (!with_patient) {
      EXPECT_EQ(cs->subject->patient_id, "example");
    }
    const std::size_t mapped = (cs->patient ? 1 : 0) + cs->encounters.size() + cs->orders.size() + cs->reports.size() +
                               cs->observations.size() + cs->documents.size() + cs->studies.size();
    EXPECT_EQ(mapped, resources);
    for (const auto& o : cs->observations) {
      EXPECT_EQ(o.fhir_json.find(R"("reference":"urn:uuid)"), std::string::npos) << o.fhir_json;
      EXPECT_TRUE(o.resource.subject.empty());
    }
  }
}

}  // namespace
}  // namespace medgw::fhir

// The official FHIR R4 examples (../shared/corpus/fhir-r4/json, see its SOURCES.md): every example
// of a type medgw validates must validate without errors (they are valid by definition, so an
// error here is a mistake in our tables or rules); every Patient and clinical example maps as a
// create unless its subject is not a patient; transactions map or are refused only for what medgw
// does not take, with the reasons printed.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace medgw::fhir

// Hostile and broken bodies: every mutation of a valid resource is either mapped or refused with
// at least one issue, never a crash (the tests run under ASan and UBSan). Mutations are
// deterministic, so a failure reproduces.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "mappings/fhir/map_interaction.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/validate.hpp"
#include "tests/support/corpus_files.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

const char* kSample = R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
  "subject": {"reference": "Patient/1"}, "valueQuantity": {"value": 4.50, "unit": "g"},
  "_status": {"extension": [{"url": "u", "valueBoolean": true}]},
  "component": [{"code": {"text": "c"}, "valueString": "s", "referenceRange": [{"low": {"value": 1}}]}]})";

// A small deterministic generator (xorshift), so failures reproduce.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

std::string mutate(const std::string& text, Rng& rng) {
  static const std::string kInserts[] = {"1",    "\"",      "[", "]", "{}",      "null",
                                         "true", "\"_x\":", ",", "-", "\\u0000", "1e999"};
  std::string out = text;
  const std::size_t at = rng.next() % (out.size() + 1);
  switch (rng.next() % 4) {
    case 0:
      out.erase(at, 1 + rng.next() % 8);
      break;
    case 1:
      out.insert(at, kInserts[rng.next() % std::size(kInserts)]);
      break;
    case 2:
      out.resize(at);
      break;
    default:
      if (at < out.size()) out[at] = static_cast<char>(rng.next() % 256);
      break;
  }
  return out;
}

void exercise(const std::string& text, const std::string& type, std::uint64_t seed, int rounds) {
  Rng rng{seed};
  for (int i = 0; i < rounds; ++i) {
    Interaction in;
    in.kind = type == "Bundle" ? InteractionKind::kTransaction : InteractionKind::kCreate;
    in.client = "fuzz";
    in.type = type;
    in.key = "k";
    in.body = mutate(text, rng);
    auto cs = map_interaction(in);
    if (!cs) {
      EXPECT_FALSE(cs.error().issues.empty()) << in.body;
    }
    (void)validate_json(in.body);
  }
}

TEST(Robustness, MutatedSampleNeverCrashes) {
  exercise(kSample, "Observation", 88172645463325252ULL, 3000);
}

TEST(Robustness, MutatedCorpusNeverCrashes) {
  std::error_code ec;
  if (!std::filesystem::is_directory(test::fhir_corpus_dir(), ec)) {
    GTEST_SKIP() << "FHIR R4 corpus absent: " << test::fhir_corpus_dir().string()
                 << " is not a directory (MEDGW_FHIR_CORPUS_DIR overrides it); the sample above still ran";
  }
  std::uint64_t seed = 1;
  for (const auto& file : test_support::corpus_files(test::fhir_corpus_dir())) {
    const std::string name = file.filename().string();
    const std::string type = name.substr(0, name.find('-'));
    if (!is_supported_resource(type)) continue;
    exercise(test::read_file(file), type, seed++ * 2654435761ULL, 30);
  }
}

}  // namespace
}  // namespace medgw::fhir

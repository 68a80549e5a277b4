// The Chinese-name and phone helpers of the patient index (mappings/mpi) against the one Chinese
// patient of the public FHIR R4 examples (../shared/corpus/fhir-r4/json/Patient-ch-example.json,
// CC0): written by people outside this project, so it checks the helpers on text they did not
// shape. Skipped, saying so, when the corpus is absent; MEDGW_CORPUS_DIR overrides the path.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mappings/mpi/chinese_name.hpp"
#include "mappings/mpi/phone.hpp"

namespace {

namespace fs = std::filesystem;

fs::path example_path() {
  fs::path root = fs::path(MEDGW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (const char* env = std::getenv("MEDGW_CORPUS_DIR"); env != nullptr && *env != '\0') root = fs::path(env) / "..";
  return root / "fhir-r4" / "json" / "Patient-ch-example.json";
}

TEST(ChineseCorpus, FhirChinesePatientExample) {
  const fs::path path = example_path();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    GTEST_SKIP() << "FHIR corpus absent: " << path.string()
                 << " is not a file, so this corpus test is skipped (the corpus is ../shared/corpus next to the "
                    "repository)";
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(text.c_str()).HasParseError());

  const std::string name = doc["name"][0]["text"].GetString();
  EXPECT_TRUE(medgw::mpi::is_han_name(name));
  const auto split = medgw::mpi::split_chinese_name(name);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->family.size(), 3u);  // one-character surname
  EXPECT_EQ(split->given.size(), 6u);   // two-character given name
  EXPECT_EQ(medgw::mpi::to_pinyin_name(split->family, split->given), medgw::mpi::to_pinyin(name));
  EXPECT_EQ(medgw::mpi::to_pinyin(name), "zhang wu ji");

  int phones = 0;
  for (const auto& t : doc["telecom"].GetArray()) {
    if (!t.HasMember("value")) continue;
    const std::string e164 = medgw::mpi::normalise_phone(t["value"].GetString());
    EXPECT_EQ(e164.substr(0, 4), "+861");  // a mainland mobile
    EXPECT_EQ(e164.size(), 14u);
    ++phones;
  }
  EXPECT_EQ(phones, 1);
}

}  // namespace

// Golden tests: every tests/data/v2/<case>.hl7 maps to exactly tests/data/v2/<case>.json (the
// change set as model::to_json(ChangeSet) prints it, or {"error", "reason"} for a message that
// must not map). Each golden file was reviewed against the v2-to-FHIR IG when written; a diff
// here is a change of what medgw stores and must be reviewed the same way.
//
// To regenerate after an intended change:  MEDGW_UPDATE_GOLDEN=1 build/<dir>/tests/unit/mappings/v2/v2_tests
// --gtest_filter='Golden*'  then review `git diff tests/data/v2/` before committing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/mappings/v2/v2_test_support.hpp"

namespace medgw::v2 {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(MEDGW_V2_TEST_DATA)) {
    if (entry.path().extension() == ".hl7") out.push_back(entry.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MapsToItsGoldenFile) {
  const fs::path dir = MEDGW_V2_TEST_DATA;
  const std::string input = testing::read_file(dir / (GetParam() + ".hl7"));
  auto msg = hl7v2::Message::parse(input);
  ASSERT_TRUE(msg) << GetParam() << ": does not parse: " << msg.error().describe();
  const std::string actual = testing::golden_text(map_v2(*msg));
  const fs::path golden = dir / (GetParam() + ".json");

  const char* update = std::getenv("MEDGW_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " missing; run with MEDGW_UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(actual, testing::read_file(golden)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(V2, Golden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace medgw::v2

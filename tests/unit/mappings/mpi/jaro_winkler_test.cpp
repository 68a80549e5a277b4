#include "mappings/mpi/jaro_winkler.hpp"

#include <gtest/gtest.h>

namespace medgw::mpi {
namespace {

// Reference values from Winkler (1990) and the usual worked examples.
TEST(JaroWinkler, KnownValues) {
  EXPECT_NEAR(jaro("martha", "marhta"), 0.9444, 1e-4);
  EXPECT_NEAR(jaro_winkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(jaro("dwayne", "duane"), 0.8222, 1e-4);
  EXPECT_NEAR(jaro_winkler("dwayne", "duane"), 0.8400, 1e-4);
  EXPECT_NEAR(jaro("dixon", "dicksonx"), 0.7667, 1e-4);
  EXPECT_NEAR(jaro_winkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_NEAR(jaro("jellyfish", "smellyfish"), 0.8963, 1e-4);
}

TEST(JaroWinkler, EqualEmptyAndDisjoint) {
  EXPECT_EQ(jaro_winkler("smith", "smith"), 1.0);
  EXPECT_EQ(jaro_winkler("", "smith"), 0.0);
  EXPECT_EQ(jaro_winkler("smith", ""), 0.0);
  EXPECT_EQ(jaro_winkler("abc", "xyz"), 0.0);
}

TEST(JaroWinkler, IsSymmetric) {
  EXPECT_DOUBLE_EQ(jaro_winkler("harrington", "harringtn"), jaro_winkler("harringtn", "harrington"));
  EXPECT_DOUBLE_EQ(jaro("crate", "trace"), jaro("trace", "crate"));
}

TEST(JaroWinkler, CountsChineseCharactersOnce) {
  // 张晓明 / 张小明: two of three characters in place; bytes would give a different answer.
  EXPECT_NEAR(jaro("张晓明", "张小明"), (2.0 / 3 + 2.0 / 3 + 1.0) / 3, 1e-9);
  EXPECT_NEAR(jaro_winkler("张晓明", "张小明"), 0.7778 + 0.1 * (1 - 0.7778), 1e-4);
}

TEST(JaroWinkler, PrefixBonusStopsAtFour) {
  const double j = jaro("abcdefgh", "abcdefhg");
  EXPECT_NEAR(jaro_winkler("abcdefgh", "abcdefhg"), j + 4 * 0.1 * (1 - j), 1e-12);
}

TEST(JaroWinkler, LongStringsAreComparedToo) {
  const std::string a(100, 'a'), b = std::string(99, 'a') + "b";
  EXPECT_GT(jaro_winkler(a, b), 0.99);
  EXPECT_LT(jaro_winkler(a, b), 1.0);
}

}  // namespace
}  // namespace medgw::mpi

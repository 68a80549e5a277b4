#include "mappings/mpi/comparators.hpp"

#include <gtest/gtest.h>

namespace medgw::mpi {
namespace {

std::string_view level(Comparator c, std::string_view a, std::string_view b) {
  const int l = compare(c, a, b);
  return l == kMissing ? std::string_view("missing") : level_names(c)[static_cast<std::size_t>(l)];
}

TEST(Comparators, MissingOnEitherSideIsMissing) {
  for (auto c : {Comparator::kName, Comparator::kText, Comparator::kDate, Comparator::kCode, Comparator::kCategory,
                 Comparator::kPersonName}) {
    EXPECT_EQ(compare(c, "", "x"), kMissing) << to_string(c);
    EXPECT_EQ(compare(c, "x", ""), kMissing) << to_string(c);
  }
}

TEST(Comparators, NameBands) {
  EXPECT_EQ(level(Comparator::kName, "harrington", "harrington"), "exact");
  EXPECT_EQ(level(Comparator::kName, "martha", "marhta"), "jaro-winkler>=0.92");   // 0.961
  EXPECT_EQ(level(Comparator::kName, "dwayne", "duane"), "jaro-winkler>=0.80");    // 0.840
  EXPECT_EQ(level(Comparator::kName, "waller", "berry"), "different");
}

TEST(Comparators, PersonNamesReadHanAsPinyin) {
  EXPECT_EQ(level(Comparator::kPersonName, "张伟", "张伟"), "exact");
  EXPECT_EQ(level(Comparator::kPersonName, "张", "章"), "same-sound") << "a homophone typed by a clerk";
  EXPECT_EQ(level(Comparator::kPersonName, "伟", "wei"), "same-sound") << "the name in pinyin letters";
  EXPECT_EQ(level(Comparator::kPersonName, "欧阳", "ouyang"), "same-sound");
  EXPECT_EQ(level(Comparator::kPersonName, "建国", "建华"), "jaro-winkler>=0.80") << "jianguo / jianhua";
  EXPECT_EQ(level(Comparator::kPersonName, "张", "李"), "different");
  // Latin names are compared as letters, one band lower than kName's indices, never same-sound.
  EXPECT_EQ(level(Comparator::kPersonName, "martha", "marhta"), "jaro-winkler>=0.92");
  EXPECT_EQ(level(Comparator::kPersonName, "waller", "berry"), "different");
}

TEST(Comparators, TextBands) {
  EXPECT_EQ(level(Comparator::kText, "6 tullaroop street", "6 tullaroop street"), "exact");
  EXPECT_EQ(level(Comparator::kText, "6 tullaroop street", "6 tullaroop stret"), "jaro-winkler>=0.90");
  EXPECT_EQ(level(Comparator::kText, "6 tullaroop street", "48 goldfinch circuit"), "different");
}

TEST(Comparators, DateLevels) {
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1990-03-07"), "exact");
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1990-07-03"), "day-month-swapped");
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1990-03-08"), "within-a-day");
  EXPECT_EQ(level(Comparator::kDate, "1990-02-28", "1990-03-01"), "within-a-day");  // across a month end
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1980-03-07"), "one-digit-typo");
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1990-03-22"), "within-a-month");
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1990-10-20"), "within-a-year");
  EXPECT_EQ(level(Comparator::kDate, "1990-03-07", "1955-10-20"), "different");
  // Equal day and month: a swap is the same date, so it is exact, not swapped.
  EXPECT_EQ(level(Comparator::kDate, "1990-05-05", "1990-05-05"), "exact");
}

TEST(Comparators, CodeLevels) {
  EXPECT_EQ(level(Comparator::kCode, "4011", "4011"), "exact");
  EXPECT_EQ(level(Comparator::kCode, "4011", "4012"), "one-edit");   // substitution
  EXPECT_EQ(level(Comparator::kCode, "4011", "4101"), "one-edit");   // neighbours swapped
  EXPECT_EQ(level(Comparator::kCode, "4011", "401"), "one-edit");    // deletion
  EXPECT_EQ(level(Comparator::kCode, "401", "4011"), "one-edit");    // insertion
  EXPECT_EQ(level(Comparator::kCode, "4011", "1104"), "different");
  EXPECT_EQ(level(Comparator::kCode, "4011", "40"), "different");
}

TEST(Comparators, CategoryLevels) {
  EXPECT_EQ(level(Comparator::kCategory, "male", "male"), "exact");
  EXPECT_EQ(level(Comparator::kCategory, "male", "female"), "different");
}

TEST(Comparators, DaysBetween) {
  EXPECT_EQ(days_between("2024-02-28", "2024-03-01"), 2);  // a leap year
  EXPECT_EQ(days_between("2024-03-01", "2024-02-28"), -2);
  EXPECT_FALSE(days_between("2024-02-30", "2024-03-01"));
  EXPECT_FALSE(days_between("20240228", "2024-03-01"));
}

TEST(Comparators, NamesRoundTrip) {
  for (auto c : {Comparator::kName, Comparator::kText, Comparator::kDate, Comparator::kCode, Comparator::kCategory,
                 Comparator::kPersonName}) {
    EXPECT_EQ(parse_comparator(to_string(c)), c);
  }
  EXPECT_FALSE(parse_comparator("soundex"));
}

}  // namespace
}  // namespace medgw::mpi

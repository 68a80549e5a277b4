#include "mappings/mpi/exact_matcher.hpp"

#include <gtest/gtest.h>

namespace medgw::mpi {
namespace {

TEST(ExactMatcher, GradesEachCandidate) {
  MatchRecord record{nullptr, {{"urn:a", "1"}}, "张三|1990-03-07|male"};
  std::vector<Candidate> c(4);
  c[0].shared_identifiers = {{"urn:a", "1"}};
  c[1].same_demographic_key = true;
  c[1].identifiers = {{"urn:b", "9"}};                 // another authority: no contradiction
  c[2].same_demographic_key = true;
  c[2].identifiers = {{"urn:a", "2"}};                 // same authority, another number
  auto d = ExactMatcher().judge(record, c);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].grade, MatchGrade::kCertain);
  EXPECT_EQ(d[1].grade, MatchGrade::kProbable);
  EXPECT_EQ(d[2].grade, MatchGrade::kNonMatch);
  EXPECT_EQ(d[3].grade, MatchGrade::kNonMatch);
}

TEST(ExactMatcher, EmptyDemographicKeyNeverMatches) {
  MatchRecord record{nullptr, {}, ""};
  Candidate c;
  c.same_demographic_key = true;
  EXPECT_EQ(ExactMatcher().judge(record, std::span<const Candidate>(&c, 1))[0].grade, MatchGrade::kNonMatch);
}

}  // namespace
}  // namespace medgw::mpi

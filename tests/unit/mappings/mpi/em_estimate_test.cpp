#include "mappings/mpi/em_estimate.hpp"

#include <gtest/gtest.h>

#include <random>

namespace medgw::mpi {
namespace {

FieldModel field(MatchField f, Comparator c, std::vector<double> m, std::vector<double> u) {
  FieldModel out;
  out.field = f;
  out.comparator = c;
  out.m = std::move(m);
  out.u = std::move(u);
  return out;
}

// The truth the pairs are drawn from: four conditionally independent fields.
MatchModel truth() {
  MatchModel t;
  t.prior = 0.2;
  t.fields = {
      field(MatchField::kGiven, Comparator::kName, {0.80, 0.10, 0.05, 0.05}, {0.02, 0.03, 0.15, 0.80}),
      field(MatchField::kFamily, Comparator::kName, {0.85, 0.08, 0.04, 0.03}, {0.05, 0.05, 0.10, 0.80}),
      field(MatchField::kBirthDate, Comparator::kDate, {0.70, 0.05, 0.05, 0.10, 0.04, 0.03, 0.03},
            {0.01, 0.01, 0.01, 0.02, 0.05, 0.10, 0.80}),
      field(MatchField::kPostcode, Comparator::kCode, {0.75, 0.15, 0.10}, {0.10, 0.10, 0.80}),
  };
  return t;
}

std::vector<ComparisonPattern> draw(const MatchModel& t, std::size_t n, unsigned seed, double missing_share) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution is_match(t.prior), is_missing(missing_share);
  std::vector<std::vector<std::int8_t>> pairs;
  pairs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool match = is_match(rng);
    std::vector<std::int8_t> levels;
    for (const auto& f : t.fields) {
      const auto& p = match ? f.m : f.u;
      std::discrete_distribution<int> level(p.begin(), p.end());
      levels.push_back(is_missing(rng) ? static_cast<std::int8_t>(kMissing) : static_cast<std::int8_t>(level(rng)));
    }
    pairs.push_back(std::move(levels));
  }
  return group_patterns(pairs);
}

// A start that knows only which way round the classes are: agreement likelier for matches.
MatchModel start_from(const MatchModel& t) {
  MatchModel s = t;
  s.prior = 0.05;
  for (auto& f : s.fields) {
    const std::size_t n = f.m.size();
    for (std::size_t l = 0; l < n; ++l) {
      f.m[l] = l == 0 ? 0.6 : 0.4 / static_cast<double>(n - 1);
      f.u[l] = l + 1 == n ? 0.6 : 0.4 / static_cast<double>(n - 1);
    }
  }
  return s;
}

void expect_recovered(const MatchModel& got, const MatchModel& want, double tolerance) {
  EXPECT_NEAR(got.prior, want.prior, tolerance);
  for (std::size_t f = 0; f < want.fields.size(); ++f) {
    for (std::size_t l = 0; l < want.fields[f].m.size(); ++l) {
      EXPECT_NEAR(got.fields[f].m[l], want.fields[f].m[l], tolerance) << "m field " << f << " level " << l;
      EXPECT_NEAR(got.fields[f].u[l], want.fields[f].u[l], tolerance) << "u field " << f << " level " << l;
    }
  }
}

TEST(EmEstimate, RecoversMAndUFromAGeneratedMixture) {
  const MatchModel t = truth();
  const auto patterns = draw(t, 100000, 7, 0.0);
  MatchModel m = start_from(t);
  const EmResult r = estimate_m_u(m, patterns);
  EXPECT_TRUE(r.converged);
  expect_recovered(m, t, 0.02);
}

TEST(EmEstimate, MissingValuesAreLeftOutNotCountedAsDisagreement) {
  const MatchModel t = truth();
  const auto patterns = draw(t, 100000, 11, 0.3);
  MatchModel m = start_from(t);
  estimate_m_u(m, patterns);
  expect_recovered(m, t, 0.03);
}

TEST(EmEstimate, KeepsProbabilitiesAboveTheFloorAndSummingToOne) {
  MatchModel t = truth();
  t.fields[3].m = {1.0, 0.0, 0.0};  // a level never reached by matches
  const auto patterns = draw(t, 20000, 3, 0.0);
  MatchModel m = start_from(t);
  estimate_m_u(m, patterns);
  for (const auto& f : m.fields) {
    double sm = 0, su = 0;
    for (double p : f.m) {
      EXPECT_GE(p, kMinProbability);
      sm += p;
    }
    for (double p : f.u) su += p;
    EXPECT_NEAR(sm, 1.0, 1e-4);
    EXPECT_NEAR(su, 1.0, 1e-4);
  }
}

TEST(EmEstimate, GroupsEqualPatterns) {
  const std::vector<std::vector<std::int8_t>> pairs{{0, 1}, {0, 1}, {1, -1}, {0, 1}};
  const auto g = group_patterns(pairs);
  ASSERT_EQ(g.size(), 2u);
  std::uint64_t total = 0;
  for (const auto& p : g) total += p.count;
  EXPECT_EQ(total, 4u);
}

}  // namespace
}  // namespace medgw::mpi

#include "mappings/mpi/match_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/match_training.hpp"

namespace medgw::mpi {
namespace {

MatchFeatures person(std::string given, std::string family, std::string dob, std::string postcode = "") {
  MatchFeatures f;
  f[MatchField::kGiven] = std::move(given);
  f[MatchField::kFamily] = std::move(family);
  f[MatchField::kBirthDate] = std::move(dob);
  f[MatchField::kPostcode] = std::move(postcode);
  return f;
}

const FieldModel& field_of(const MatchModel& m, MatchField f) {
  for (const auto& x : m.fields) {
    if (x.field == f) return x;
  }
  throw std::logic_error("no such field");
}

TEST(MatchModel, DefaultModelIsValid) { EXPECT_EQ(check_match_model(default_match_model()), ""); }

TEST(MatchModel, WeightsAreLog2OfMOverUAndMissingIsZero) {
  const MatchModel m = default_match_model();
  const FieldModel& dob = field_of(m, MatchField::kBirthDate);
  EXPECT_DOUBLE_EQ(level_weight(dob, 0, "1990-03-07"), std::log2(dob.m[0] / dob.u[0]));
  EXPECT_DOUBLE_EQ(level_weight(dob, 6, "1990-03-07"), std::log2(dob.m[6] / dob.u[6]));
  EXPECT_LT(level_weight(dob, 6, ""), 0.0);
  EXPECT_EQ(level_weight(dob, kMissing, ""), 0.0);
}

TEST(MatchModel, ScoreSumsFieldWeightsAndAgreementBeatsDisagreement) {
  const MatchModel m = default_match_model();
  const auto a = person("kayla", "harrington", "1915-06-12", "3465");
  const PairScore same = score_pair(m, a, a);
  const PairScore typo = score_pair(m, a, person("kayla", "harrinqton", "1915-06-12", "3465"));
  const PairScore other = score_pair(m, a, person("lachlan", "berry", "1999-02-19", "4814"));
  double sum = 0;
  for (const auto& f : same.fields) sum += f.weight;
  EXPECT_DOUBLE_EQ(same.total, sum);
  EXPECT_GT(same.total, typo.total);
  EXPECT_GT(typo.total, m.review_threshold);
  EXPECT_LT(other.total, 0.0);
  // Fields missing on one side (sex, phone, street...) add nothing.
  EXPECT_EQ(same.fields[static_cast<std::size_t>(3)].level, kMissing);
}

TEST(MatchModel, TermFrequencyLowersTheWeightOfACommonName) {
  MatchModel m = default_match_model();
  std::vector<MatchFeatures> population;
  for (int i = 0; i < 100; ++i) population.push_back(person("x" + std::to_string(i), i < 30 ? "smith" : "f" + std::to_string(i), ""));
  fill_term_frequencies(m, population, 10);
  const FieldModel& family = field_of(m, MatchField::kFamily);
  ASSERT_EQ(family.term_frequencies.count("smith"), 1u);
  EXPECT_NEAR(family.term_frequencies.at("smith"), 0.3, 1e-12);
  EXPECT_EQ(family.term_frequencies.size(), 1u) << "rare values are never listed";
  EXPECT_NEAR(family.term_frequency_baseline, 0.09 + 70 * 0.0001, 1e-12);
  EXPECT_LT(level_weight(family, 0, "smith"), level_weight(family, 0, "f42"));
  EXPECT_DOUBLE_EQ(level_weight(family, 0, "f42"), std::log2(family.m[0] / family.u[0]));
  // Only the exact level is adjusted.
  EXPECT_DOUBLE_EQ(level_weight(family, 1, "smith"), std::log2(family.m[1] / family.u[1]));
}

TEST(MatchModel, MatchProbabilityGrowsWithTheScore) {
  const MatchModel m = default_match_model();
  EXPECT_LT(match_probability(m, 0.0), match_probability(m, 10.0));
  EXPECT_GT(match_probability(m, 40.0), 0.999);
  EXPECT_LT(match_probability(m, -20.0), 0.001);
}

TEST(MatchModel, FieldScoresJsonNamesFieldsAndLevelsNotValues) {
  const MatchModel m = default_match_model();
  const auto a = person("kayla", "harrington", "1915-06-12");
  const std::string json = field_scores_json(m, score_pair(m, a, person("kayla", "harington", "1915-12-06")));
  EXPECT_NE(json.find("\"field\":\"family\",\"level\":\"jaro-winkler>=0.92\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"field\":\"birth_date\",\"level\":\"day-month-swapped\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"field\":\"phone\",\"level\":\"missing\",\"weight\":0.000"), std::string::npos) << json;
  EXPECT_EQ(json.find("kayla"), std::string::npos);
  EXPECT_EQ(json.find("1915"), std::string::npos);
}

TEST(MatchModelJson, RoundTripsEverything) {
  MatchModel m = default_match_model();
  m.version = 3;
  m.prior = 0.0123;
  m.link_threshold = 15.5;
  m.review_threshold = 5.25;
  m.trained_records = 5000;
  m.trained_pairs = 41234;
  m.em_iterations = 37;
  m.fields[1].term_frequencies = {{"smith", 0.012}, {"jones", 0.01}};
  m.fields[1].term_frequency_baseline = 0.0011;
  const std::string json = to_json(m);
  auto back = match_model_from_json(json);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->prior, 0.0123);
  EXPECT_EQ(back->link_threshold, 15.5);
  EXPECT_EQ(back->review_threshold, 5.25);
  EXPECT_EQ(back->trained_pairs, 41234);
  EXPECT_EQ(back->em_iterations, 37);
  ASSERT_EQ(back->fields.size(), m.fields.size());
  for (std::size_t i = 0; i < m.fields.size(); ++i) {
    EXPECT_EQ(back->fields[i].field, m.fields[i].field);
    EXPECT_EQ(back->fields[i].comparator, m.fields[i].comparator);
    EXPECT_EQ(back->fields[i].term_frequency, m.fields[i].term_frequency);
    for (std::size_t l = 0; l < m.fields[i].m.size(); ++l) {
      EXPECT_NEAR(back->fields[i].m[l], m.fields[i].m[l], 1e-6 * m.fields[i].m[l]);
      EXPECT_NEAR(back->fields[i].u[l], m.fields[i].u[l], 1e-6 * m.fields[i].u[l]);
    }
  }
  EXPECT_EQ(back->fields[1].term_frequencies, m.fields[1].term_frequencies);
  EXPECT_EQ(back->fields[1].term_frequency_baseline, 0.0011);
}

TEST(MatchModelJson, IsReadableByAPerson) {
  const std::string json = to_json(default_match_model());
  // One level per line, with its name, m, u and the weight a reviewer judges.
  EXPECT_NE(json.find("\n"), std::string::npos);
  EXPECT_NE(json.find("\"level\": \"day-month-swapped\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"weight\":"), std::string::npos);
  EXPECT_NE(json.find("\"format_version\": 1"), std::string::npos);
}

TEST(MatchModelJson, RefusesWhatItCannotTrust) {
  const std::string good = to_json(default_match_model());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return match_model_from_json(s);
  };
  EXPECT_FALSE(match_model_from_json("{}"));
  EXPECT_FALSE(match_model_from_json("not json"));
  EXPECT_FALSE(replaced("\"format_version\": 1", "\"format_version\": 2"));
  EXPECT_FALSE(replaced("\"level\": \"day-month-swapped\"", "\"level\": \"swapped\""));
  EXPECT_FALSE(replaced("\"comparator\": \"date\"", "\"comparator\": \"soundex\""));
  EXPECT_FALSE(replaced("\"field\": \"given\"", "\"field\": \"nickname\""));
  auto bad_thresholds = replaced("\"review\": 10.0", "\"review\": 70.0");
  ASSERT_FALSE(bad_thresholds);
  EXPECT_NE(bad_thresholds.error().find("review_threshold"), std::string::npos);
}

TEST(MatchTraining, PairsComeFromBlocksAndEachPairOnce) {
  MatchModel m = default_match_model();
  std::vector<MatchFeatures> records{person("kayla", "harrington", "1915-06-12", "3465"),
                                     person("kayla", "harrington", "1915-06-12", "3465"),
                                     person("lachlan", "berry", "1999-02-19", "4814")};
  TrainingOptions options;
  TrainingReport report;
  const auto patterns = candidate_patterns(m, records, options, report);
  // The first two share every key; they are one pair. The third shares none.
  EXPECT_EQ(report.pairs, 1);
  ASSERT_EQ(patterns.size(), 1u);
  EXPECT_EQ(patterns[0].count, 1u);
  EXPECT_EQ(patterns[0].levels[0], 0);
}

}  // namespace
}  // namespace medgw::mpi

// The resolver with Fellegi-Sunter scoring (probabilistic_matcher.hpp), on the in-memory store.
#include <gtest/gtest.h>

#include "mappings/mpi/probabilistic_matcher.hpp"
#include "mappings/mpi/resolver.hpp"
#include "memory_index_store.hpp"
#include "mpi_test_support.hpp"

namespace medgw::mpi {
namespace {

using testing::kHisMrn;
using testing::kLisPid;
using testing::kToday;
using testing::mrn;

model::PatientRecord person(const std::string& sender, std::vector<model::Identifier> ids, const std::string& family,
                            const std::string& given, const std::string& birth, const std::string& postcode,
                            const std::string& street) {
  auto r = testing::patient(sender, std::move(ids), family, given, birth, "female");
  model::Address a;
  a.line = {street};
  a.postal_code = postcode;
  r.patient.address.push_back(a);
  return r;
}

class ProbabilisticResolver : public ::testing::Test {
 protected:
  Resolution ok(const model::PatientRecord& r) {
    auto res = resolve(r, store, kToday, matcher);
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    return res ? *res : Resolution{};
  }
  static MatchModel model() {
    // The default m and u, with thresholds fixed here so the cases below do not move when the
    // default thresholds are tuned.
    MatchModel m = default_match_model();
    m.link_threshold = 17.0;
    m.review_threshold = 7.0;
    m.same_authority_link_threshold = 35.0;
    return m;
  }
  testing::MemoryIndexStore store;
  ProbabilisticMatcher matcher{model()};
};

TEST_F(ProbabilisticResolver, AStrongScoreLinksWithoutASharedIdentifier) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  // Another sender, a typo in the family name and the street: the same person.
  auto b = ok(person("LIS", {mrn(kLisPid, "L1")}, "harringtn", "kayla", "1915-06-12", "3465", "12 maltby circit"));
  EXPECT_EQ(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kCertain);
  EXPECT_FALSE(b.review_opened);
  EXPECT_NE(store.links.back().reason.find("at or above the link threshold"), std::string::npos)
      << store.links.back().reason;
}

TEST_F(ProbabilisticResolver, AMiddlingScoreGetsItsOwnPatientAndAReviewWithFieldScores) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  // Same name and postcode, another birth date, no street: about 15.6 bits, probable.
  auto b = ok(person("LIS", {mrn(kLisPid, "L1")}, "harrington", "kayla", "1951-01-30", "3465", ""));
  EXPECT_NE(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kProbable);
  ASSERT_EQ(store.open_tasks(kReviewProbableMatch), 1u);
  const ReviewTask& t = store.tasks[0].task;
  EXPECT_EQ(t.golden, b.golden);
  EXPECT_EQ(t.other_goldens, std::vector<GoldenId>{a.golden});
  EXPECT_NE(t.field_scores_json.find("\"field\":\"birth_date\",\"level\":\"different\""), std::string::npos)
      << t.field_scores_json;
  EXPECT_EQ(t.field_scores_json.find("harrington"), std::string::npos) << "no PHI in the evidence";
}

TEST_F(ProbabilisticResolver, ALowScoreIsAnotherPerson) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  // Shares a blocking key (postcode + family prefix), nothing else.
  auto b = ok(person("LIS", {mrn(kLisPid, "L1")}, "harrison", "john", "1972-01-30", "3465", "7 main road"));
  EXPECT_NE(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kNew);
  EXPECT_TRUE(store.tasks.empty());
}

TEST_F(ProbabilisticResolver, AnotherNumberOfTheSameAuthorityNeedsMoreEvidenceToLink) {
  // Same name and birth date, same postcode, no street (30.8 bits): above the link threshold (17 here), below
  // the same-authority one (35 here): a second MRN of one hospital goes to a person.
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  auto b = ok(person("HIS2", {mrn(kHisMrn, "M2")}, "harrington", "kayla", "1915-06-12", "3465", ""));
  EXPECT_NE(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kProbable);
  EXPECT_EQ(store.open_tasks(kReviewProbableMatch), 1u);
  EXPECT_NE(store.links.back().reason.find("of the same authority"), std::string::npos) << store.links.back().reason;
  // The street as well: overwhelming evidence, a re-registration at a later visit: linked.
  auto c = ok(person("HIS3", {mrn(kHisMrn, "M3")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  EXPECT_EQ(c.golden, a.golden);
  EXPECT_EQ(c.grade, LinkGrade::kCertain);
}

TEST_F(ProbabilisticResolver, TwoDifferentValidNationalIdsNeverLinkAutomatically) {
  // Both valid for a woman born 1915-06-12 (checksum, birth date and sex agree), issued apart.
  const std::string first = testing::national_id("19150612", false);
  const std::string second17 = "110102" "19150612" "124";
  const std::string second = second17 + national_id_check_char(second17);
  ASSERT_NE(first, second);
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1"), testing::nid(first)}, "harrington", "kayla", "1915-06-12", "3465",
                     "12 maltby circuit"));
  auto b = ok(person("LIS", {mrn(kLisPid, "L1"), testing::nid(second)}, "harrington", "kayla", "1915-06-12", "3465",
                     "12 maltby circuit"));
  EXPECT_NE(b.golden, a.golden) << "everything else alike (twins registered alike), the IDs say two people";
  EXPECT_EQ(b.grade, LinkGrade::kProbable);
  EXPECT_NE(store.links.back().reason.find("different national ID"), std::string::npos) << store.links.back().reason;
}

TEST_F(ProbabilisticResolver, ASharedIdentifierStillLinksCertainWhateverTheScore) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  auto b = ok(person("LIS", {mrn(kHisMrn, "M1")}, "berry", "lachlan", "1999-02-19", "4814", "69 giblin street"));
  EXPECT_EQ(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kCertain);
}

TEST_F(ProbabilisticResolver, TheBestScoringPatientIsChosen) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  auto b = ok(person("HIS", {mrn(kHisMrn, "M2")}, "harrington", "kayla", "1915-06-21", "3466", "40 other street"));
  ASSERT_NE(a.golden, b.golden);
  auto c = ok(person("LIS", {mrn(kLisPid, "L1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  EXPECT_EQ(c.golden, a.golden);
}

TEST_F(ProbabilisticResolver, StoresComparisonValuesAndBlockingKeysWithTheRecord) {
  auto a = ok(person("HIS", {mrn(kHisMrn, "M1")}, "harrington", "kayla", "1915-06-12", "3465", "12 maltby circuit"));
  const auto* r = store.record(a.source_record);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(decode_match_features(r->match_features)[MatchField::kStreet], "12 maltby circuit");
  EXPECT_FALSE(r->blocking_keys.empty());
}

}  // namespace
}  // namespace medgw::mpi

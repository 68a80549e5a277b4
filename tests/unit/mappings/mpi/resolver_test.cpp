#include "mappings/mpi/resolver.hpp"

#include <gtest/gtest.h>

#include "memory_index_store.hpp"
#include "mappings/mpi/identity.hpp"
#include "mpi_test_support.hpp"

namespace medgw::mpi {
namespace {

using testing::kHisMrn;
using testing::kLisPid;
using testing::kToday;
using testing::mrn;
using testing::nid;
using testing::patient;

class ResolverTest : public ::testing::Test {
 protected:
  Resolution ok(const model::PatientRecord& r) {
    auto res = resolve(r, store, kToday);
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    return res ? *res : Resolution{};
  }
  testing::MemoryIndexStore store;
};

TEST_F(ResolverTest, UnknownPatientGetsANewGoldenPatient) {
  auto r = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  EXPECT_EQ(r.grade, LinkGrade::kNew);
  EXPECT_FALSE(r.review_opened);
  EXPECT_EQ(store.records_of(r.golden), std::vector<SourceRecordId>{r.source_record});
  EXPECT_TRUE(store.tasks.empty());
}

TEST_F(ResolverTest, SameSenderRecordAlwaysResolvesToTheSameGolden) {
  auto first = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  // Renamed and re-sent: the record is the same, its data is updated, no new link is made.
  auto second = ok(patient("HIS", {mrn(kHisMrn, "M1")}, "王", "五", "1970-01-01", "female"));
  EXPECT_EQ(second.golden, first.golden);
  EXPECT_EQ(second.source_record, first.source_record);
  EXPECT_EQ(store.records.size(), 1u);
  EXPECT_EQ(store.records[0].patient.name[0].family, "王");
  EXPECT_EQ(store.links.size(), 1u);
}

TEST_F(ResolverTest, ReceivedFhirJsonReachesTheStoreAndMatchingUsesTheModel) {
  auto record = patient("FHIR", {mrn(kHisMrn, "M1")});
  record.fhir_json = R"({"resourceType":"Patient","extension":[{"url":"urn:x","valueString":"y"}]})";
  auto r = ok(record);
  ASSERT_EQ(store.records.size(), 1u);
  EXPECT_EQ(store.records[0].fhir_json, record.fhir_json);
  // Linked on the model's identifiers, whatever the JSON says.
  EXPECT_EQ(ok(patient("LIS", {mrn(kHisMrn, "M1")})).golden, r.golden);
  EXPECT_TRUE(store.records[1].fhir_json.empty());
}

TEST_F(ResolverTest, SharedIdentifierWithinItsAuthorityLinksCertain) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  // The lab sends its own number and the hospital MRN.
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L7"), mrn(kHisMrn, "M1")}, "Different", "Name"));
  EXPECT_EQ(lis.golden, his.golden);
  EXPECT_NE(lis.source_record, his.source_record);
  EXPECT_EQ(lis.grade, LinkGrade::kCertain);
  EXPECT_FALSE(lis.review_opened);
}

TEST_F(ResolverTest, SameValueUnderAnotherAuthorityIsNotAMatch) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "100")}, "张", "三"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "100")}, "李", "四"));
  EXPECT_NE(lis.golden, his.golden);
  EXPECT_EQ(lis.grade, LinkGrade::kNew);
}

TEST_F(ResolverTest, IdentifierWithoutAuthorityIsNeverUsedForLinking) {
  model::Identifier bare;
  bare.value = "100";
  auto a = ok(patient("HIS", {bare}, "张", "三"));
  auto b = ok(patient("LIS", {bare}, "李", "四"));
  EXPECT_NE(a.golden, b.golden);
}

TEST_F(ResolverTest, ValidNationalIdLinksAcrossSenders) {
  const std::string id = testing::national_id();
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1"), nid(id)}));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1"), nid(id, "SFZH")}, "Zhang", "San"));
  EXPECT_EQ(lis.golden, his.golden);
  EXPECT_EQ(lis.grade, LinkGrade::kCertain);
}

TEST_F(ResolverTest, InvalidNationalIdIsFlaggedAndNotUsed) {
  std::string bad = testing::national_id();
  bad.back() = bad.back() == '0' ? '1' : '0';
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1"), nid(bad)}, "张", "三"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1"), nid(bad)}, "李", "四"));
  EXPECT_NE(lis.golden, his.golden);  // the same (mistyped) number links nobody
  EXPECT_EQ(lis.grade, LinkGrade::kNew);
  EXPECT_EQ(lis.flags, std::vector<std::string>{std::string(kFlagNationalIdInvalid)});
  EXPECT_TRUE(lis.review_opened);
  EXPECT_EQ(store.record(lis.source_record)->flags, lis.flags);  // persisted on the source record
  EXPECT_EQ(store.open_tasks(kReviewNationalIdInvalid), 2u);
  EXPECT_TRUE(store.record(lis.source_record)->link_identifiers ==
              std::vector<IdentifierKey>({{kLisPid, "L1"}}));
}

TEST_F(ResolverTest, NationalIdInconsistentWithBirthDateIsNotUsed) {
  const std::string id = testing::national_id("19900307");
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1"), nid(id)}, "张", "三", "1990-03-07"));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L1"), nid(id)}, "李", "四", "1980-01-01"));
  EXPECT_NE(a.golden, b.golden);
  EXPECT_EQ(b.flags.size(), 1u);
  EXPECT_TRUE(a.flags.empty());
}

TEST_F(ResolverTest, SameDemographicsWithoutSharedIdentifierGetsItsOwnPatientAndAReview) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三", "1990-03-07", "male"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1")}, "张 ", "三", "19900307", "M"));
  // Probable is not sure: never linked on it; a person links or separates them.
  EXPECT_NE(lis.golden, his.golden);
  EXPECT_EQ(store.records_of(lis.golden), std::vector<SourceRecordId>{lis.source_record});
  EXPECT_EQ(lis.grade, LinkGrade::kProbable);
  EXPECT_TRUE(lis.review_opened);
  ASSERT_EQ(store.open_tasks(kReviewProbableMatch), 1u);
  EXPECT_EQ(store.tasks[0].task.source_record, lis.source_record);
  EXPECT_EQ(store.tasks[0].task.golden, lis.golden);
  EXPECT_EQ(store.tasks[0].task.other_goldens, std::vector<GoldenId>{his.golden});
  EXPECT_TRUE(store.tasks[0].task.field_scores_json.empty()) << "the exact rules score nothing";
}

TEST_F(ResolverTest, ReSentProbableRecordKeepsItsLinkAndOneTask) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto lis1 = ok(patient("LIS", {mrn(kLisPid, "L1")}));
  auto lis2 = ok(patient("LIS", {mrn(kLisPid, "L1")}));
  EXPECT_EQ(lis2.golden, lis1.golden);
  EXPECT_NE(lis2.golden, his.golden);
  EXPECT_EQ(lis2.grade, LinkGrade::kProbable);
  EXPECT_EQ(lis2.source_record, lis1.source_record);
  EXPECT_EQ(store.open_tasks(kReviewProbableMatch), 1u);
}

TEST_F(ResolverTest, ATooCommonDemographicBlockLinksNobody) {
  // 21 patients of one sender share name, birth date and sex (each its own MRN): a block too
  // common to judge on. A new record from another sender is a new patient, with no review task.
  for (int i = 0; i < 21; ++i) ok(patient("HIS", {mrn(kHisMrn, "M" + std::to_string(i))}, "张", "伟", "1990-03-07", "male"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1")}, "张", "伟", "1990-03-07", "male"));
  EXPECT_EQ(lis.grade, LinkGrade::kNew);
  EXPECT_EQ(store.open_tasks(kReviewProbableMatch), 0u);
}

TEST_F(ResolverTest, AModestBlockStillLinksProbable) {
  for (int i = 0; i < 3; ++i) ok(patient("HIS", {mrn(kHisMrn, "M" + std::to_string(i))}, "张", "伟", "1990-03-07", "male"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1")}, "张", "伟", "1990-03-07", "male"));
  EXPECT_EQ(lis.grade, LinkGrade::kProbable);
}

TEST_F(ResolverTest, MissingDemographicPartNeverLinksOnDemographics) {
  ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三", "1990-03-07", "unknown"));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1")}, "张", "三", "1990-03-07", "unknown"));
  EXPECT_EQ(lis.grade, LinkGrade::kNew);
  EXPECT_TRUE(store.tasks.empty());
}

TEST_F(ResolverTest, SameDemographicsButAnotherNumberOfTheSameAuthorityIsAnotherPerson) {
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L1"), mrn(kHisMrn, "M2")}));
  EXPECT_NE(b.golden, a.golden);
  EXPECT_EQ(b.grade, LinkGrade::kNew);
}

TEST_F(ResolverTest, IdentifiersPointingToTwoGoldensLinkToTheFirstAndOpenAReview) {
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三"));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L1")}, "李", "四", "1980-01-01"));
  ASSERT_NE(a.golden, b.golden);
  auto c = ok(patient("RIS", {mrn("urn:ris", "R1"), mrn(kHisMrn, "M1"), mrn(kLisPid, "L1")}, "王", "五"));
  EXPECT_EQ(c.golden, a.golden);
  EXPECT_EQ(c.grade, LinkGrade::kCertain);
  EXPECT_TRUE(c.review_opened);
  ASSERT_EQ(store.open_tasks(kReviewIdentifierConflict), 1u);
  EXPECT_EQ(store.tasks[0].task.other_goldens, std::vector<GoldenId>{b.golden});
  // Never merged silently: b keeps its own golden patient.
  EXPECT_EQ(store.current_link(b.source_record)->golden, b.golden);
  EXPECT_TRUE(store.merges.empty());
}

TEST_F(ResolverTest, KnownRecordGainingAnotherPatientsIdentifierOpensAReviewButKeepsItsLink) {
  const std::string id = testing::national_id();
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1"), nid(id)}, "张", "三"));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L1")}, "李", "四", "1980-01-01"));
  auto b2 = ok(patient("LIS", {mrn(kLisPid, "L1"), nid(id)}, "张", "三"));
  EXPECT_EQ(b2.golden, b.golden);
  EXPECT_NE(b2.golden, a.golden);
  EXPECT_TRUE(b2.review_opened);
  EXPECT_EQ(store.open_tasks(kReviewIdentifierConflict), 1u);
}

TEST_F(ResolverTest, RecordWithoutIdentifierIsRefusedPermanently) {
  auto res = resolve(patient("HIS", {}), store, kToday);
  ASSERT_FALSE(res);
  EXPECT_FALSE(res.error().retryable);
  EXPECT_TRUE(store.records.empty());
}

TEST_F(ResolverTest, StoreErrorsPropagateAsRetryable) {
  store.fail_next = MpiError{"busy", true};
  auto res = resolve(patient("HIS", {mrn(kHisMrn, "M1")}), store, kToday);
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().retryable);
  EXPECT_EQ(res.error().message, "busy");
}

// A matcher is a seam: a stricter one changes decisions without touching the flow.
class NeverMatcher final : public Matcher {
 public:
  std::vector<MatchDecision> judge(const MatchRecord&, std::span<const Candidate> c) const override {
    return std::vector<MatchDecision>(c.size());
  }
};

TEST_F(ResolverTest, MatcherDecidesWhatCandidatesAreWorth) {
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  NeverMatcher never;
  auto b = resolve(patient("LIS", {mrn(kLisPid, "L1"), mrn(kHisMrn, "M1")}), store, kToday, never);
  ASSERT_TRUE(b);
  EXPECT_NE(b->golden, a.golden);
  EXPECT_EQ(b->grade, LinkGrade::kNew);
}

}  // namespace
}  // namespace medgw::mpi

#include "mappings/mpi/merge.hpp"

#include <gtest/gtest.h>

#include "memory_index_store.hpp"
#include "mpi_test_support.hpp"

namespace medgw::mpi {
namespace {

using testing::kHisMrn;
using testing::kLisPid;
using testing::kToday;
using testing::mrn;
using testing::patient;

class MergeTest : public ::testing::Test {
 protected:
  Resolution ok(const model::PatientRecord& r) {
    auto res = resolve(r, store, kToday);
    EXPECT_TRUE(res);
    return res ? *res : Resolution{};
  }
  model::MergeRequest a40(const std::string& surviving, const std::string& prior) {
    return {patient("HIS", {mrn(kHisMrn, surviving)}, "张", "三"), {mrn(kHisMrn, prior)}};
  }
  testing::MemoryIndexStore store;
};

TEST_F(MergeTest, PriorGoldenIsMergedIntoTheSurvivorWithEverythingLinked) {
  auto keep = ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三"));
  auto gone = ok(patient("HIS", {mrn(kHisMrn, "M2")}, "张", "山", "1990-03-08"));
  auto lab = ok(patient("LIS", {mrn(kLisPid, "L2"), mrn(kHisMrn, "M2")}, "Zhang", "Shan"));
  ASSERT_EQ(lab.golden, gone.golden);
  ASSERT_NE(keep.golden, gone.golden);

  auto m = merge(a40("M1", "M2"), store, kToday);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->surviving.golden, keep.golden);
  EXPECT_EQ(m->merged, gone.golden);
  EXPECT_NE(m->merge, 0);
  EXPECT_EQ(store.records_of(keep.golden),
            (std::vector<SourceRecordId>{keep.source_record, gone.source_record, lab.source_record}));
  EXPECT_TRUE(store.records_of(gone.golden).empty());
  EXPECT_EQ(store.current_link(lab.source_record)->grade, LinkGrade::kMerged);

  // A new message with the prior MRN now lands on the survivor.
  auto later = ok(patient("RIS", {mrn("urn:ris", "R1"), mrn(kHisMrn, "M2")}));
  EXPECT_EQ(later.golden, keep.golden);
}

TEST_F(MergeTest, UndoRestoresTheLinksExactly) {
  auto keep = ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三"));
  auto gone = ok(patient("HIS", {mrn(kHisMrn, "M2")}, "李", "四"));
  auto lab = ok(patient("LIS", {mrn(kLisPid, "L2"), mrn(kHisMrn, "M2")}, "Li", "Si"));
  auto m = merge(a40("M1", "M2"), store, kToday);
  ASSERT_TRUE(m);

  ASSERT_TRUE(undo_merge(store, m->merge));
  EXPECT_EQ(store.records_of(keep.golden), std::vector<SourceRecordId>{keep.source_record});
  EXPECT_EQ(store.records_of(gone.golden),
            (std::vector<SourceRecordId>{gone.source_record, lab.source_record}));
  EXPECT_EQ(store.current_link(lab.source_record)->grade, LinkGrade::kCertain);
  EXPECT_EQ(store.current_link(gone.source_record)->grade, LinkGrade::kNew);
  // Twice is refused: there is nothing left to undo.
  auto again = undo_merge(store, m->merge);
  ASSERT_FALSE(again);
  EXPECT_FALSE(again.error().retryable);
}

TEST_F(MergeTest, UnknownPriorPatientIsRefusedAndCreatesNothing) {
  auto m = merge(a40("M1", "NOPE"), store, kToday);
  ASSERT_FALSE(m);
  EXPECT_FALSE(m.error().retryable);
  EXPECT_TRUE(store.records.empty());
  EXPECT_TRUE(store.links.empty());
}

TEST_F(MergeTest, NewSurvivorTakesOverThePriorPatient) {
  auto gone = ok(patient("HIS", {mrn(kHisMrn, "M2")}, "李", "四"));
  auto m = merge(a40("M9", "M2"), store, kToday);
  ASSERT_TRUE(m);
  EXPECT_NE(m->surviving.golden, gone.golden);
  EXPECT_EQ(store.current_link(gone.source_record)->golden, m->surviving.golden);
}

TEST_F(MergeTest, ReSentMergeChangesNothing) {
  ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三"));
  ok(patient("HIS", {mrn(kHisMrn, "M2")}, "李", "四"));
  ASSERT_TRUE(merge(a40("M1", "M2"), store, kToday));
  auto again = merge(a40("M1", "M2"), store, kToday);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->merge, 0);
  EXPECT_EQ(store.merges.size(), 1u);
}

TEST_F(MergeTest, UndoRefusedWhenALaterChangeMovedTheLinks) {
  ok(patient("HIS", {mrn(kHisMrn, "M1")}, "张", "三"));
  auto gone = ok(patient("HIS", {mrn(kHisMrn, "M2")}, "李", "四"));
  auto m = merge(a40("M1", "M2"), store, kToday);
  ASSERT_TRUE(m);
  ASSERT_TRUE(unlink(store, gone.source_record, "operator"));
  EXPECT_FALSE(undo_merge(store, m->merge));
}

TEST_F(MergeTest, UnlinkMovesAnAutomaticLinkToANewGoldenAndSticks) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto lis = ok(patient("LIS", {mrn(kLisPid, "L1")}));
  ASSERT_EQ(lis.grade, LinkGrade::kProbable);
  auto fresh = unlink(store, lis.source_record, "not the same person");
  ASSERT_TRUE(fresh);
  EXPECT_NE(*fresh, his.golden);
  EXPECT_EQ(store.current_link(lis.source_record)->grade, LinkGrade::kManual);
  // The next message from the lab keeps the operator's decision.
  auto again = ok(patient("LIS", {mrn(kLisPid, "L1")}));
  EXPECT_EQ(again.golden, *fresh);
  EXPECT_EQ(again.grade, LinkGrade::kManual);
}

}  // namespace
}  // namespace medgw::mpi

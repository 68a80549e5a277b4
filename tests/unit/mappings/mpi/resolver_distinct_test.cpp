// "Not the same person" (IndexStore::distinct_goldens): the resolver neither links nor proposes a
// pair an operator marked distinct, however strong the later evidence, and follows merges.
#include <gtest/gtest.h>

#include "mappings/mpi/resolver.hpp"
#include "memory_index_store.hpp"
#include "mpi_test_support.hpp"

namespace medgw::mpi {
namespace {

using testing::kHisMrn;
using testing::kLisPid;
using testing::kToday;
using testing::mrn;
using testing::patient;

class ResolverDistinct : public ::testing::Test {
 protected:
  Resolution ok(const model::PatientRecord& r) {
    auto res = resolve(r, store, kToday);
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    return res ? *res : Resolution{};
  }
  std::size_t tasks_proposing(GoldenId g) const {
    std::size_t n = 0;
    for (const auto& t : store.tasks) {
      if (t.open && std::find(t.task.other_goldens.begin(), t.task.other_goldens.end(), g) != t.task.other_goldens.end()) {
        ++n;
      }
    }
    return n;
  }
  testing::MemoryIndexStore store;
};

TEST_F(ResolverDistinct, AKnownRecordSharingTheOthersIdentifierIsNotProposed) {
  auto his = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto lab = ok(patient("LIS", {mrn(kLisPid, "L1")}, "李", "四", "1980-01-01"));
  ASSERT_NE(his.golden, lab.golden);
  // Without a mark, the lab record now carrying M1 is a conflict for a person to look at.
  ok(patient("LIS", {mrn(kLisPid, "L1"), mrn(kHisMrn, "M1")}, "李", "四", "1980-01-01"));
  ASSERT_EQ(tasks_proposing(his.golden), 1u);
  store.tasks.clear();

  store.distinct_pairs.emplace_back(his.golden, lab.golden);
  auto again = ok(patient("LIS", {mrn(kLisPid, "L1"), mrn(kHisMrn, "M1")}, "李", "四", "1980-01-01"));
  EXPECT_EQ(again.golden, lab.golden);
  EXPECT_EQ(tasks_proposing(his.golden), 0u);
  EXPECT_FALSE(again.review_opened);
}

TEST_F(ResolverDistinct, ANewRecordScoringHighForBothIsLinkedToOneAndTheOtherNotProposed) {
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L2")}));  // same name, birth date, sex: a probable pair
  ASSERT_NE(b.golden, a.golden) << "a probable match gets a golden patient of its own";
  ASSERT_EQ(tasks_proposing(a.golden), 1u);
  // An operator marked them distinct (which answers the task).
  store.distinct_pairs.emplace_back(a.golden, b.golden);
  store.tasks.clear();

  // Same demographics and both MRNs: identifiers of both patients (certain for each).
  auto c = ok(patient("RIS", {mrn("urn:ris", "R1"), mrn(kHisMrn, "M1"), mrn(kLisPid, "L2")}));
  EXPECT_EQ(c.golden, a.golden);
  EXPECT_EQ(tasks_proposing(b.golden), 0u);
  EXPECT_EQ(tasks_proposing(a.golden), 0u);

  // Demographics alone: a new record marked distinct from neither may be either of them. It gets
  // a golden patient of its own and one task proposing both (the mark says a is not b; which of
  // the two, if any, this one is, a person decides).
  auto d = ok(patient("PACS", {mrn("urn:pacs", "P1")}));
  EXPECT_NE(d.golden, a.golden);
  EXPECT_NE(d.golden, b.golden);
  EXPECT_EQ(tasks_proposing(a.golden), 1u);
  EXPECT_EQ(tasks_proposing(b.golden), 1u);
}

TEST_F(ResolverDistinct, AMarkFollowsTheMergedPatientIntoItsSurvivor) {
  auto a = ok(patient("HIS", {mrn(kHisMrn, "M1")}));
  auto b = ok(patient("LIS", {mrn(kLisPid, "L1")}, "李", "四", "1980-01-01"));
  auto c = ok(patient("RIS", {mrn("urn:ris", "R1")}, "王", "五", "1970-01-01"));
  store.distinct_pairs.emplace_back(a.golden, b.golden);
  ASSERT_TRUE(store.record_merge(b.golden, c.golden, "test"));
  auto marked = store.distinct_goldens(a.golden);
  ASSERT_TRUE(marked);
  EXPECT_EQ(*marked, std::vector<GoldenId>{c.golden});
  // The survivor's record now carrying a's MRN: no conflict proposed.
  ok(patient("RIS", {mrn("urn:ris", "R1"), mrn(kHisMrn, "M1")}, "王", "五", "1970-01-01"));
  EXPECT_EQ(tasks_proposing(a.golden), 0u);
}

}  // namespace
}  // namespace medgw::mpi

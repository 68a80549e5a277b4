// The operator's side of the CRM store (`medgw archive merges|undo-merge|review|unlink`): listing
// merges, refusals a person can act on, and review tasks an unlink answers.
#include <gtest/gtest.h>

#include <optional>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "crmstore_test_support.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::kLabPid;
using testing::kMrn;
using testing::mrn;
using testing::oru;
using testing::patient;

class CrmStoreAdmin : public testing::StoreTest {
 protected:
  // Two patients (M1 from the HIS; M2, known only by the LIS record that also holds L2), then an
  // A40 merging M2 into M1.
  void two_patients_merged() {
    ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L2", kLabPid), mrn("M2")}, "李", "四"))).status,
              ApplyStatus::kApplied);
    model::ChangeSet a40;
    a40.message_type = "ADT^A40";
    a40.sender = "HIS";
    a40.patient = patient("HIS", {mrn("M1")}, "张", "三");
    a40.merges.push_back({patient("HIS", {mrn("M1")}, "张", "三"), {mrn("M2")}});
    ASSERT_EQ(apply_one(3, a40).status, ApplyStatus::kApplied);
  }
};

TEST_F(CrmStoreAdmin, NoMergesIsAnEmptyList) {
  auto all = store_->list_merges();
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  auto none = store_->list_merges(kMrn, "M1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value()) << "an unknown identifier is not an empty list";
}

TEST_F(CrmStoreAdmin, ListsMergesWithWhatMovedAndWhetherUndone) {
  two_patients_merged();
  const auto survivor = count(
      "SELECT golden_id FROM links l JOIN identifiers i USING (source_record_id) "
      "WHERE i.value = 'M1' AND l.undone IS NULL");
  auto all = store_->list_merges();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  const MergeRow m = (*all)[0];
  EXPECT_GT(m.id, 0);
  EXPECT_EQ(m.into_golden, survivor);
  EXPECT_NE(m.from_golden, survivor);
  EXPECT_EQ(m.moved_links, 1) << "the LIS record, the only one of M2's golden patient";
  EXPECT_FALSE(m.created.empty());
  EXPECT_TRUE(m.undone.empty());
  EXPECT_FALSE(m.reason.empty());
  EXPECT_EQ(m.reason.find("M2"), std::string::npos) << "a reason never carries an identifier";

  ASSERT_TRUE(store_->unmerge(m.id, testing::kOperator));
  all = store_->list_merges();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_FALSE((*all)[0].undone.empty());
}

TEST_F(CrmStoreAdmin, MergesOfAnIdentifierBeforeAndAfterUndo) {
  two_patients_merged();
  // An unrelated patient with a merge of their own must not show.
  ASSERT_EQ(apply_one(10, adt("HIS", patient("HIS", {mrn("M8")}, "王", "五"))).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(11, adt("HIS", patient("HIS", {mrn("M9")}, "赵", "六"))).status, ApplyStatus::kApplied);
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.patient = patient("HIS", {mrn("M8")}, "王", "五");
  a40.merges.push_back({patient("HIS", {mrn("M8")}, "王", "五"), {mrn("M9")}});
  ASSERT_EQ(apply_one(12, a40).status, ApplyStatus::kApplied);
  auto all = store_->list_merges();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  const auto first = (*all)[0].id;

  for (const char* value : {"M1", "M2"}) {
    auto mine = store_->list_merges(kMrn, value);
    ASSERT_TRUE(mine);
    ASSERT_TRUE(mine->has_value()) << value;
    ASSERT_EQ((*mine)->size(), 1u) << value;
    EXPECT_EQ((**mine)[0].id, first);
  }
  // Any system, and the lab's own identifier of the merged patient.
  auto by_lab = store_->list_merges("", "L2");
  ASSERT_TRUE(by_lab && by_lab->has_value());
  EXPECT_EQ((*by_lab)->size(), 1u);
  // Another system with that value holds nothing.
  auto wrong_system = store_->list_merges("urn:other", "M2");
  ASSERT_TRUE(wrong_system);
  EXPECT_FALSE(wrong_system->has_value());

  ASSERT_TRUE(store_->unmerge(first, testing::kOperator));
  auto after = store_->list_merges(kMrn, "M2");
  ASSERT_TRUE(after && after->has_value());
  ASSERT_EQ((*after)->size(), 1u) << "the prior MRN still finds its (undone) merge";
  EXPECT_FALSE((**after)[0].undone.empty());
}

TEST_F(CrmStoreAdmin, UndoMergeRefusesUnknownAndTwice) {
  two_patients_merged();
  auto unknown = store_->unmerge(999, testing::kOperator);
  ASSERT_FALSE(unknown);
  EXPECT_FALSE(unknown.error().retryable);
  const auto id = count("SELECT id FROM merges");
  ASSERT_TRUE(store_->unmerge(id, testing::kOperator));
  auto twice = store_->unmerge(id, testing::kOperator);
  ASSERT_FALSE(twice);
  EXPECT_FALSE(twice.error().retryable);
}

TEST_F(CrmStoreAdmin, UndoMergeRefusedAfterALinkItMovedWasUnlinked) {
  two_patients_merged();
  const auto id = count("SELECT id FROM merges");
  const auto lab_record = count("SELECT id FROM source_records WHERE sender = 'LIS'");
  ASSERT_TRUE(store_->unlink_record(lab_record, testing::kOperator));
  auto refused = store_->unmerge(id, testing::kOperator);
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("changed since"), std::string::npos) << refused.error().message;
  auto merges = store_->list_merges();
  ASSERT_TRUE(merges);
  EXPECT_TRUE((*merges)[0].undone.empty()) << "a refused undo changes nothing";
}

TEST_F(CrmStoreAdmin, UnlinkAnswersTheProbableMatchTask) {
  // Two HIS patients alike in everything but their MRN and national ID (two valid IDs: two
  // people, never linked automatically), then a lab record just like them without an ID: linked
  // to the first by score, with a probable-match task naming the second.
  const std::string second17 = "110102" "19900307" "123";
  const std::string second_id = second17 + mpi::national_id_check_char(second17);
  auto alike = [](const std::string& sender, std::vector<model::Identifier> ids) {
    auto p = patient(sender, std::move(ids));
    model::Address a;
    a.line = {"12 maltby circuit"};
    a.city = "coolaroo";
    a.postal_code = "3465";
    p.patient.address = {a};
    return p;
  };
  ASSERT_EQ(apply_one(1, adt("HIS", alike("HIS", {mrn("M1"), testing::national(testing::valid_national_id())}))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, adt("HIS", alike("HIS", {mrn("M2"), testing::national(second_id)}), "ADT2")).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT count(DISTINCT golden_id) FROM links WHERE undone IS NULL"), 2);
  ASSERT_EQ(apply_one(3, oru("LIS", alike("LIS", {mrn("L1", kLabPid)}))).status, ApplyStatus::kApplied);
  const auto lab_record = count("SELECT id FROM source_records WHERE sender = 'LIS'");
  auto tasks = store_->list_review_tasks();
  ASSERT_TRUE(tasks);
  std::optional<ReviewTaskRow> task;
  for (const auto& t : *tasks) {
    if (t.source_record == lab_record && t.kind == mpi::kReviewProbableMatch) task = t;
  }
  ASSERT_TRUE(task);
  EXPECT_EQ(text("SELECT grade FROM links WHERE source_record_id = " + std::to_string(lab_record) +
                 " AND undone IS NULL"),
            "certain");

  auto done = store_->unlink_record(task->source_record, testing::kOperator);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->source_record, task->source_record);
  EXPECT_EQ(done->other_golden, task->golden);
  EXPECT_NE(done->golden, task->golden);
  EXPECT_EQ(done->review_tasks, std::vector<std::int64_t>{task->id});
  EXPECT_EQ(count("SELECT golden_id FROM observations"), done->golden);

  auto all = store_->list_review_tasks(false);
  ASSERT_TRUE(all);
  for (const auto& t : *all) {
    if (t.id == task->id) {
      EXPECT_EQ(t.status, "closed");
    }
  }
}

TEST_F(CrmStoreAdmin, UnlinkRefusesAnUnknownOrLoneRecord) {
  auto unknown = store_->unlink_record(42, testing::kOperator);
  ASSERT_FALSE(unknown);
  EXPECT_FALSE(unknown.error().retryable);
  EXPECT_NE(unknown.error().message.find("no source record"), std::string::npos);

  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
  const auto record = count("SELECT id FROM source_records");
  const auto goldens = count("SELECT count(*) FROM golden_patients");
  auto lone = store_->unlink_record(record, testing::kOperator);
  ASSERT_FALSE(lone);
  EXPECT_FALSE(lone.error().retryable);
  EXPECT_NE(lone.error().message.find("only record"), std::string::npos) << lone.error().message;
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), goldens) << "a refused unlink creates nothing";
}

}  // namespace
}  // namespace medgw::crmstore

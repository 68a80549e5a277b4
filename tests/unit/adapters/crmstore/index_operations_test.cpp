// The patient index's operations on the CRM store (index_operations.hpp): each one and its undo,
// the operations log, review tasks answered and reopened, and the operator's decisions standing
// against later messages.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "crmstore_test_support.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore {
namespace {

using testing::kLabPid;
using testing::kMrn;
using testing::kOperator;
using testing::mrn;
using testing::oru;
using testing::patient;

class IndexOperations : public testing::StoreTest {
 protected:
  std::int64_t record_of(const std::string& value) {
    return count("SELECT source_record_id FROM identifiers WHERE value = '" + value + "' ORDER BY id LIMIT 1");
  }
  std::int64_t golden_of(std::int64_t record) {
    return count("SELECT golden_id FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(record));
  }
  // Every current link: record -> (link id, golden, grade).
  std::map<std::int64_t, std::tuple<std::int64_t, std::int64_t, std::string>> current_links() {
    std::map<std::int64_t, std::tuple<std::int64_t, std::int64_t, std::string>> out;
    const auto n = count("SELECT max(id) FROM source_records");
    for (std::int64_t r = 1; r <= n; ++r) {
      const std::string where = " FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(r);
      out[r] = {count("SELECT id" + where), count("SELECT golden_id" + where), text("SELECT grade" + where)};
    }
    return out;
  }
  std::int64_t open_tasks() { return count("SELECT count(*) FROM review_tasks WHERE status = 'open'"); }

  // Golden A: HIS M1. Golden B: HIS M2 with a lab result, and the LIS record sharing M2 (certain).
  // Golden C: HIS M3. Golden D: the LIS record L3 with a result, a probable match of C on
  // demographics (one open review task).
  void three_patients() {
    ASSERT_EQ(apply_one(1, registration(person("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(2, oru("HIS", person("HIS", {mrn("M2")}, "李", "四", "1985-01-02", "female"))).status,
              ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(3, registration(person("LIS", {mrn("L2", kLabPid), mrn("M2")}, "Li", "Si", "1985-01-02",
                                               "female")))
                  .status,
              ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(4, registration(person("HIS", {mrn("M3")}, "王", "五", "1970-05-05"))).status,
              ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(5, lab_result("6.00")).status, ApplyStatus::kApplied);
    // Same name, birth date and sex, no shared identifier: a probable match, not a link. L3 gets a
    // golden patient of its own and a review task naming M3's.
    ASSERT_NE(golden_of(record_of("L3")), golden_of(record_of("M3"))) << "probable: never linked on a guess";
    ASSERT_EQ(text("SELECT grade FROM links WHERE undone IS NULL AND source_record_id = " +
                   std::to_string(record_of("L3"))),
              "probable");
    ASSERT_EQ(count("SELECT count(*) FROM review_tasks WHERE status = 'open' AND kind = 'probable-match' AND "
                    "other_goldens = '[" + std::to_string(golden_of(record_of("M3"))) + "]'"),
              1);
    ASSERT_EQ(golden_of(record_of("L2")), golden_of(record_of("M2"))) << "shared MRN";
  }
  static model::PatientRecord person(const std::string& sender, std::vector<model::Identifier> ids,
                                     const std::string& family, const std::string& given,
                                     const std::string& birth = "1990-03-07", const std::string& gender = "male") {
    model::PatientRecord r = patient(sender, std::move(ids), family, given);
    r.patient.birth_date = birth;
    r.patient.gender = gender;
    return r;
  }
  // A patient message without clinical resources (its sender's encounter keys would collide).
  static model::ChangeSet registration(model::PatientRecord p) {
    model::ChangeSet cs;
    cs.message_type = "ADT^A08";
    cs.sender = p.sender;
    cs.patient = std::move(p);
    return cs;
  }
  // The lab's record L3 (with `more` identifiers) and its one glucose result.
  static model::ChangeSet lab_result(const std::string& value, std::vector<model::Identifier> more = {}) {
    std::vector<model::Identifier> ids{mrn("L3", kLabPid)};
    ids.insert(ids.end(), more.begin(), more.end());
    return oru("LIS", person("LIS", std::move(ids), "王", "五", "1970-05-05"), value);
  }
  std::int64_t observation_golden(std::int64_t record) {
    return count("SELECT golden_id FROM observations WHERE source_record_id = " + std::to_string(record));
  }
};

TEST_F(IndexOperations, UnmergeRestoresExactlyTheLinksThatExistedBeforeTheMerge) {
  three_patients();
  const auto a = golden_of(record_of("M1"));
  const auto b = golden_of(record_of("M2"));
  const auto before = current_links();

  auto merged = store_->merge_goldens(b, a, kOperator);
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(merged->kind, "merge");
  EXPECT_EQ(golden_of(record_of("M2")), a);
  EXPECT_EQ(golden_of(record_of("L2")), a);
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL AND source_record_id = " +
                 std::to_string(record_of("L2"))),
            "merged");
  EXPECT_EQ(observation_golden(record_of("M2")), a) << "the result followed its record";
  auto refused = store_->merge_goldens(b, a, kOperator);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("merged into " + std::to_string(a)), std::string::npos);

  auto undone = store_->unmerge(merged->merge, {"ops.other", "wrong patient", false});
  ASSERT_TRUE(undone) << undone.error().message;
  EXPECT_EQ(undone->undid, merged->operation);
  EXPECT_EQ(current_links(), before) << "the same link rows are current again, grades and all";
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients WHERE merged_into IS NOT NULL"), 0);
  EXPECT_EQ(observation_golden(record_of("M2")), b);

  // The log: who, why, and the undo paired with what it undid.
  auto history = store_->operations_of_golden(a);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].kind, "merge");
  EXPECT_EQ((*history)[0].actor, "ops.tester");
  EXPECT_EQ((*history)[0].reason, "checked with the ward");
  EXPECT_FALSE((*history)[0].automatic);
  EXPECT_EQ((*history)[0].undone_by, (*history)[1].id);
  EXPECT_EQ((*history)[1].kind, "unmerge");
  EXPECT_EQ((*history)[1].actor, "ops.other");
  EXPECT_EQ((*history)[1].undoes, (*history)[0].id);
  auto again = store_->undo_operation(merged->operation, kOperator);
  ASSERT_FALSE(again);
  EXPECT_FALSE(again.error().retryable);
}

TEST_F(IndexOperations, ManualActionsNeedWhoAndWhyAndAFailedOneChangesNothing) {
  three_patients();
  const auto a = golden_of(record_of("M1"));
  const auto b = golden_of(record_of("M2"));
  auto nobody = store_->merge_goldens(b, a, {"", "reason", false});
  ASSERT_FALSE(nobody);
  EXPECT_NE(nobody.error().message.find("--by"), std::string::npos);
  auto no_reason = store_->merge_goldens(b, a, {"ops.tester", "", false});
  ASSERT_FALSE(no_reason);
  EXPECT_NE(no_reason.error().message.find("--reason"), std::string::npos);
  EXPECT_FALSE(store_->merge_goldens(a, a, kOperator));
  EXPECT_FALSE(store_->merge_goldens(999, a, kOperator));
  EXPECT_EQ(count("SELECT count(*) FROM merges"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM mpi_operations"), 0);
}

TEST_F(IndexOperations, LinkMovesARecordAndItsUndoRestoresThePreviousLink) {
  three_patients();
  const auto lab = record_of("L3");
  const auto from = golden_of(lab);
  const auto to = golden_of(record_of("M1"));
  const auto before = current_links();
  ASSERT_EQ(open_tasks(), 1) << "the probable link of L3";

  auto linked = store_->link_record(lab, to, kOperator);
  ASSERT_TRUE(linked) << linked.error().message;
  EXPECT_EQ(linked->golden, to);
  EXPECT_EQ(linked->other_golden, from);
  EXPECT_EQ(golden_of(lab), to);
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(lab)),
            "manual");
  EXPECT_EQ(observation_golden(lab), to);
  EXPECT_EQ(linked->review_tasks.size(), 1u);
  EXPECT_EQ(open_tasks(), 0) << "the link answered the review task";

  auto undone = store_->undo_operation(linked->operation, kOperator);
  ASSERT_TRUE(undone) << undone.error().message;
  EXPECT_EQ(current_links(), before);
  EXPECT_EQ(observation_golden(lab), from);
  EXPECT_EQ(open_tasks(), 1) << "its undo reopens the task it answered";
  EXPECT_EQ(undone->review_tasks, linked->review_tasks);
}

TEST_F(IndexOperations, UndoOfALinkIsRefusedOnceTheRecordMovedAgain) {
  three_patients();
  const auto lab = record_of("L3");
  auto linked = store_->link_record(lab, golden_of(record_of("M1")), kOperator);
  ASSERT_TRUE(linked);
  ASSERT_TRUE(store_->unlink_record(lab, kOperator));
  const auto after = current_links();
  auto refused = store_->undo_operation(linked->operation, kOperator);
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("linked again since"), std::string::npos) << refused.error().message;
  EXPECT_EQ(current_links(), after);
}

TEST_F(IndexOperations, KeepingAProbableMatchOnItsOwnPatientMakesItManualAndClosesItsTask) {
  three_patients();
  const auto lab = record_of("L3");
  const auto golden = golden_of(lab);
  auto confirmed = store_->link_record(lab, golden, kOperator);
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_EQ(golden_of(lab), golden);
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(lab)),
            "manual");
  EXPECT_EQ(open_tasks(), 0);
  auto twice = store_->link_record(lab, golden, kOperator);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("already linked"), std::string::npos);
}

TEST_F(IndexOperations, AManualLinkSurvivesLaterMessages) {
  three_patients();
  const auto lab = record_of("L3");
  const auto chosen = golden_of(record_of("M1"));
  ASSERT_TRUE(store_->link_record(lab, chosen, kOperator));
  // The lab sends the record again, now also carrying M3's MRN: evidence for the other patient.
  ASSERT_EQ(apply_one(6, lab_result("6.10", {mrn("M3")})).status, ApplyStatus::kApplied);
  EXPECT_EQ(golden_of(lab), chosen) << "an operator's link is never overridden by the matcher";
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(lab)),
            "manual");
}

TEST_F(IndexOperations, ADistinctPairIsNeverLinkedOrProposedAgain) {
  three_patients();
  const auto his = golden_of(record_of("M3"));
  const auto lab = record_of("L3");
  const auto separate = golden_of(lab);  // the probable match's own golden patient
  auto marked = store_->mark_distinct(his, separate, kOperator);
  ASSERT_TRUE(marked) << marked.error().message;
  EXPECT_FALSE(store_->mark_distinct(separate, his, kOperator)) << "marked already";
  auto merge = store_->merge_goldens(separate, his, kOperator);
  ASSERT_FALSE(merge);
  EXPECT_NE(merge.error().message.find("not the same person"), std::string::npos);

  // The lab's record now carries the HIS MRN (a certain identifier of the other patient): no
  // conflict is proposed, the record stays where the operator put it.
  ASSERT_EQ(apply_one(6, lab_result("6.10", {mrn("M3")})).status, ApplyStatus::kApplied);
  EXPECT_EQ(golden_of(lab), separate);
  EXPECT_EQ(open_tasks(), 0);
  // A new record scoring high for both (each one's identifier): linked to one, the other not proposed.
  ASSERT_EQ(apply_one(7, registration(person("RIS", {mrn("R1", "urn:ris"), mrn("M3"), mrn("L3", kLabPid)}, "王",
                                             "五", "1970-05-05")))
                .status,
            ApplyStatus::kApplied);
  EXPECT_EQ(open_tasks(), 0);

  // Undo the mark: the same evidence is proposed again (the filter was the mark, nothing else).
  ASSERT_TRUE(store_->undo_operation(marked->operation, kOperator));
  ASSERT_EQ(apply_one(8, lab_result("6.20", {mrn("M3")})).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE status = 'open' AND kind = 'identifier-conflict'"), 1);
}

TEST_F(IndexOperations, AMarkFollowsMerges) {
  three_patients();
  const auto a = golden_of(record_of("M1"));
  const auto b = golden_of(record_of("M2"));
  const auto c = golden_of(record_of("M3"));
  ASSERT_TRUE(store_->mark_distinct(a, b, kOperator));
  ASSERT_TRUE(store_->merge_goldens(b, c, kOperator)) << "b and c are not marked";
  // b's records now live in c: c is not the same person as a either.
  auto merge = store_->merge_goldens(a, c, kOperator);
  ASSERT_FALSE(merge);
  EXPECT_NE(merge.error().message.find("not the same person"), std::string::npos) << merge.error().message;
}

TEST_F(IndexOperations, AnA40IsLoggedAsTheSendersAutomaticMerge) {
  three_patients();
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.message_control_id = "MSG0042";
  a40.sender = "HIS";
  a40.patient = person("HIS", {mrn("M1")}, "张", "三");
  a40.merges.push_back({person("HIS", {mrn("M1")}, "张", "三"), {mrn("M2")}});
  ASSERT_EQ(apply_one(9, a40).status, ApplyStatus::kApplied);
  const auto a = golden_of(record_of("M1"));
  auto history = store_->operations_of_golden(a);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].kind, "merge");
  EXPECT_EQ((*history)[0].actor, "HIS");
  EXPECT_TRUE((*history)[0].automatic);
  EXPECT_EQ((*history)[0].reason, "ADT^A40 message MSG0042");
  // Its undo is an operator's unmerge, through the log.
  auto undone = store_->undo_operation((*history)[0].id, kOperator);
  ASSERT_TRUE(undone) << undone.error().message;
  EXPECT_EQ(undone->kind, "unmerge");
  EXPECT_NE(golden_of(record_of("M2")), a);
}

TEST_F(IndexOperations, FhirPatientLinksMapToAMergeAndAReviewTask) {
  three_patients();
  const auto a = golden_of(record_of("M1"));
  const auto b = golden_of(record_of("M2"));
  const auto c = golden_of(record_of("M3"));
  // A FHIR client says its patient F1 is replaced by golden patient a (and merely "see also" c).
  auto fhir = registration(person("FHIR", {mrn("F1", "urn:fhir")}, "赵", "六", "1999-09-09", "female"));
  fhir.message_type = "Patient";
  fhir.patient->patient.link.push_back({{"Patient/" + std::to_string(c), "", ""}, "seealso"});
  ASSERT_EQ(apply_one(10, fhir).status, ApplyStatus::kApplied);
  const auto f1 = golden_of(record_of("F1"));
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE status = 'open' AND kind = 'see-also' AND golden_id = " +
                  std::to_string(f1) + " AND other_goldens = '[" + std::to_string(c) + "]'"),
            1);
  fhir.patient->patient.link = {{{"Patient/" + std::to_string(a), "", ""}, "replaced-by"}};
  ASSERT_EQ(apply_one(11, fhir).status, ApplyStatus::kApplied);
  EXPECT_EQ(golden_of(record_of("F1")), a);
  auto history = store_->operations_of_golden(a);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].reason, "FHIR Patient.link replaced-by");
  EXPECT_EQ((*history)[0].actor, "FHIR");
  EXPECT_TRUE((*history)[0].automatic);

  // "replaces" from b's record: the src- form, and the other's golden patient merged into this one.
  const auto lab_golden = golden_of(record_of("L3"));
  auto his = registration(person("HIS", {mrn("M2")}, "李", "四", "1985-01-02", "female"));
  his.patient->patient.link.push_back({{"Patient/src-" + std::to_string(record_of("M3")), "", ""}, "replaces"});
  ASSERT_EQ(apply_one(12, his).status, ApplyStatus::kApplied);
  EXPECT_EQ(golden_of(record_of("M3")), b);
  EXPECT_EQ(golden_of(record_of("L3")), lab_golden) << "a probable match is not merged with its candidate";

  // Unknown or distinct: refused, nothing changes.
  auto unknown = registration(person("FHIR", {mrn("F2", "urn:fhir")}, "钱", "七"));
  unknown.patient->patient.link.push_back({{"Patient/9999", "", ""}, "replaced-by"});
  auto r = apply_one(13, unknown);
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedUnknownSubject);
  EXPECT_EQ(record_of("F2"), -1) << "a refused change set stores nothing";
  // Links that name no patient of this archive and assert nothing to act on: kept, not refused.
  auto mom = registration(person("FHIR", {mrn("F3", "urn:fhir")}, "孙", "八"));
  mom.patient->patient.link = {{{"RelatedPerson/newborn-mom", "", ""}, "seealso"},
                               {{"http://elsewhere.example/fhir/Patient/5", "", ""}, "replaced-by"},
                               {{"Patient/9999", "", ""}, "seealso"}};
  r = apply_one(14, mom);
  EXPECT_EQ(r.status, ApplyStatus::kApplied) << r.reason;
  EXPECT_NE(record_of("F3"), -1);
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE golden_id = " + std::to_string(golden_of(record_of("F3")))), 0);
  ASSERT_TRUE(store_->mark_distinct(a, b, kOperator));
  fhir.patient->patient.link = {{{"Patient/" + std::to_string(b), "", ""}, "replaces"}};
  r = apply_one(15, fhir);
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_NE(r.reason.find("not the same person"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace medgw::crmstore

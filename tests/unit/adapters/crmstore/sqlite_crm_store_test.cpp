#include "adapters/crmstore/sqlite_crm_store.hpp"

#include <gtest/gtest.h>

#include "crmstore_test_support.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::entries;
using testing::kLabPid;
using testing::kMrn;
using testing::mrn;
using testing::oru;
using testing::patient;

class CrmStore : public testing::StoreTest {};

TEST_F(CrmStore, AdtThenOruGiveOneGoldenPatientWithReportAndResults) {
  EXPECT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
  // The lab knows the patient by its own number and the hospital MRN.
  EXPECT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid), mrn("M1")}))).status, ApplyStatus::kApplied);

  auto bundle = archive(kMrn, "M1");
  ASSERT_TRUE(bundle.IsObject());
  EXPECT_STREQ(bundle["type"].GetString(), "collection");
  auto patients = entries(bundle, "Patient");
  ASSERT_EQ(patients.size(), 1u);
  const std::string golden = (*patients[0])["id"].GetString();
  EXPECT_EQ((*patients[0])["identifier"].Size(), 2u);  // M1 (once) and L1
  EXPECT_EQ((*patients[0])["link"].Size(), 2u);        // the two source records
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 1);

  auto reports = entries(bundle, "DiagnosticReport");
  auto observations = entries(bundle, "Observation");
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(std::string((*reports[0])["subject"]["reference"].GetString()), "Patient/" + golden);
  EXPECT_EQ(std::string((*observations[0])["subject"]["reference"].GetString()), "Patient/" + golden);
  // References rewritten from change-set keys to stored logical ids.
  EXPECT_EQ(std::string((*reports[0])["result"][0]["reference"].GetString()),
            std::string("Observation/") + (*observations[0])["id"].GetString());
  // The lab's encounter reference was to a visit the lab never sent: kept as sent.
  EXPECT_STREQ((*observations[0])["encounter"]["reference"].GetString(), "Encounter/V100");
  // The HIS visit is in the archive too.
  EXPECT_EQ(entries(bundle, "Encounter").size(), 1u);
  // The same archive is found by the lab's own number, and by value alone.
  EXPECT_EQ(entries(archive(kLabPid, "L1"), "Observation").size(), 1u);
  EXPECT_EQ(entries(archive("", "L1"), "Observation").size(), 1u);
  EXPECT_FALSE(*store_->archive_bundle(kMrn, "nobody"));
}

TEST_F(CrmStore, QueryableColumnsForTrending) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}), "7.25")).status, ApplyStatus::kApplied);
  EXPECT_EQ(text("SELECT code || '|' || value_num || '|' || value_unit || '|' || effective FROM observations"),
            "2345-7|7.25|mmol/L|2026-11-02T07:30:00+08:00");
  EXPECT_EQ(count("SELECT golden_id FROM observations"), count("SELECT id FROM golden_patients"));
  // The trend query uses the (golden_id, code, effective) index.
  EXPECT_NE(text("EXPLAIN QUERY PLAN SELECT value_num FROM observations WHERE golden_id = 1 AND code = '2345-7' "
                 "ORDER BY effective",
                 3)
                .find("observations_trend"),
            std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM pragma_index_list('observations') WHERE name = 'observations_trend'"), 1);
}

TEST_F(CrmStore, SameEnvelopeTwiceChangesNothing) {
  auto cs = oru("LIS", patient("LIS", {mrn("M1")}));
  EXPECT_EQ(apply_one(7, cs).status, ApplyStatus::kApplied);
  const auto before = count("SELECT count(*) FROM outbox");
  EXPECT_EQ(apply_one(7, cs).status, ApplyStatus::kAlreadyApplied);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM source_records"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM links"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), before);
  // A re-send under a new envelope (the sender retried) updates in place: still no copies.
  EXPECT_EQ(apply_one(8, cs).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM observation_history"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), before);
}

TEST_F(CrmStore, CorrectedResultReplacesTheValueAndHistoryKeepsTheOld) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}), "5.60")).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("M1")}), "6.10", "corrected")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 1);
  EXPECT_EQ(text("SELECT status || '|' || value_num FROM observations"), "corrected|6.1");
  EXPECT_EQ(text("SELECT status || '|' || value_num FROM observation_history"), "final|5.6");
  EXPECT_NE(text("SELECT resource FROM observation_history").find("5.60"), std::string::npos);
  const auto bundle = archive(kMrn, "M1");
  auto obs = entries(bundle, "Observation");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ((*obs[0])["valueQuantity"]["value"].GetDouble(), 6.10);
}

TEST_F(CrmStore, EnteredInErrorIsKeptWithItsStatus) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("M1")}), "5.60", "entered-in-error")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(text("SELECT status FROM observations"), "entered-in-error");
  EXPECT_EQ(count("SELECT count(*) FROM observation_history"), 1);
}

TEST_F(CrmStore, A40MergeGivesOneArchiveAndUndoRestoresTwo) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L2", kLabPid), mrn("M2")}, "李", "四"))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT count(*) FROM golden_patients"), 2);
  const auto m2_golden = count("SELECT golden_id FROM observations");

  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.patient = patient("HIS", {mrn("M1")}, "张", "三");
  a40.merges.push_back({patient("HIS", {mrn("M1")}, "张", "三"), {mrn("M2")}});
  ASSERT_EQ(apply_one(3, a40).status, ApplyStatus::kApplied);

  auto by_m1 = archive(kMrn, "M1");
  auto by_m2 = archive(kMrn, "M2");
  ASSERT_EQ(entries(by_m1, "Patient").size(), 1u);
  EXPECT_EQ(std::string((*entries(by_m1, "Patient")[0])["id"].GetString()),
            (*entries(by_m2, "Patient")[0])["id"].GetString());
  EXPECT_EQ(entries(by_m1, "Observation").size(), 1u);  // the lab result followed the merge
  EXPECT_EQ(entries(by_m1, "Encounter").size(), 1u);
  const std::string survivor = (*entries(by_m1, "Patient")[0])["id"].GetString();
  EXPECT_EQ(std::string((*entries(by_m1, "Observation")[0])["subject"]["reference"].GetString()),
            "Patient/" + survivor);
  EXPECT_EQ(count("SELECT golden_id FROM observations"), std::stoll(survivor));

  auto events = store_->outbox_after(0);
  ASSERT_TRUE(events);
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().kind, "patients-merged");

  const auto merge_id = count("SELECT id FROM merges");
  ASSERT_TRUE(store_->unmerge(merge_id, testing::kOperator));
  by_m1 = archive(kMrn, "M1");
  by_m2 = archive(kMrn, "M2");
  EXPECT_NE(std::string((*entries(by_m1, "Patient")[0])["id"].GetString()),
            (*entries(by_m2, "Patient")[0])["id"].GetString());
  EXPECT_EQ(entries(by_m1, "Observation").size(), 0u);
  EXPECT_EQ(entries(by_m2, "Observation").size(), 1u);
  EXPECT_EQ(count("SELECT golden_id FROM observations"), m2_golden);
  EXPECT_EQ(count("SELECT count(*) FROM links WHERE undone IS NULL AND grade = 'merged'"), 0);
  // Undoing again is refused, permanently.
  auto again = store_->unmerge(merge_id, testing::kOperator);
  ASSERT_FALSE(again);
  EXPECT_FALSE(again.error().retryable);
}

TEST_F(CrmStore, ProbableMatchGetsItsOwnPatientAndAReviewTask) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
  // Same name, birth date and sex; no shared identifier, nothing else to go on: probable under the
  // default model (match_model.hpp), not enough to link automatically.
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid)}))).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 2);
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL ORDER BY id DESC"), "probable");
  auto tasks = store_->list_review_tasks();
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].kind, mpi::kReviewProbableMatch);
  EXPECT_EQ((*tasks)[0].status, "open");
  const auto his_golden = count("SELECT l.golden_id FROM links l JOIN source_records s ON s.id = l.source_record_id "
                                "WHERE s.sender = 'HIS' AND l.undone IS NULL");
  EXPECT_EQ((*tasks)[0].other_goldens, "[" + std::to_string(his_golden) + "]");
  // The lab results stay with the lab record's own patient until a person decides.
  EXPECT_EQ(count("SELECT golden_id FROM observations"), (*tasks)[0].golden);
  EXPECT_EQ(entries(archive(kMrn, "M1"), "Observation").size(), 0u);
  EXPECT_EQ(entries(archive(kLabPid, "L1"), "Observation").size(), 1u);
  // The evidence, for the reviewer.
  const std::string scores = text("SELECT field_scores FROM review_tasks");
  EXPECT_NE(scores.find("\"field\":\"birth_date\",\"level\":\"exact\""), std::string::npos) << scores;
}

TEST_F(CrmStore, InvalidNationalIdIsFlaggedAndNotUsedForLinking) {
  std::string bad = testing::valid_national_id();
  bad.back() = bad.back() == '0' ? '1' : '0';
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1"), testing::national(bad)}, "张", "三"))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, adt("CLINIC", patient("CLINIC", {mrn("C1", "urn:clinic"), testing::national(bad)}, "王",
                                               "五"))).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM source_records WHERE flags LIKE '%national-id-invalid%'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM identifiers WHERE trusted = 1 AND system = 'urn:oid:2.16.156.10011.1.1'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE kind = 'national-id-invalid'"), 2);
  // No PHI in the task's reason.
  EXPECT_EQ(text("SELECT reason FROM review_tasks").find(bad), std::string::npos);
}

TEST_F(CrmStore, ValidNationalIdLinksAcrossSenders) {
  const std::string id = testing::valid_national_id();
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1"), testing::national(id)}, "张", "三"))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("CLINIC", patient("CLINIC", {mrn("C1", "urn:clinic"), testing::national(id)}, "Zhang",
                                               "San"))).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 1);
  EXPECT_EQ(text("SELECT grade FROM links ORDER BY id DESC"), "certain");
}

TEST_F(CrmStore, RefusedItemDoesNotBlockTheOthers) {
  auto good1 = adt("HIS", patient("HIS", {mrn("M1")}));
  model::ChangeSet orphan = oru("LIS", patient("LIS", {mrn("L1", kLabPid)}));
  orphan.patient.reset();  // results but no patient
  model::ChangeSet unknown_merge;
  unknown_merge.sender = "HIS";
  unknown_merge.merges.push_back({patient("HIS", {mrn("M9")}), {mrn("NOBODY")}});
  auto good2 = oru("LIS", patient("LIS", {mrn("L2", kLabPid)}, "李", "四"));

  auto results = apply({{1, &good1}, {2, &orphan}, {3, &unknown_merge}, {4, &good2}});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, ApplyStatus::kApplied);
  EXPECT_EQ(results[1].status, ApplyStatus::kRefused);
  EXPECT_NE(results[1].reason.find("no patient"), std::string::npos);
  EXPECT_EQ(results[2].status, ApplyStatus::kRefused);
  EXPECT_NE(results[2].reason.find("prior patient unknown"), std::string::npos);
  EXPECT_EQ(results[3].status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM source_records"), 2);  // nothing of M9 was kept
  EXPECT_EQ(count("SELECT count(*) FROM applied_envelopes"), 2);
  // A refused envelope is not recorded: after a fix it can be replayed.
  EXPECT_EQ(apply_one(2, good1).status, ApplyStatus::kApplied);
}

TEST_F(CrmStore, ReopenedDatabaseKeepsEverything) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
  reopen();
  EXPECT_EQ(entries(archive(kMrn, "M1"), "Observation").size(), 1u);
  EXPECT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}))).status, ApplyStatus::kAlreadyApplied);
  EXPECT_EQ(text("PRAGMA journal_mode"), "wal");
}

TEST_F(CrmStore, OutboxEventsInOrder) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}), "5.60", "final", "N")).status, ApplyStatus::kApplied);
  auto events = store_->outbox_after(0);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);  // a normal result is no event; the new report is
  EXPECT_EQ((*events)[0].kind, "new-report");
  EXPECT_EQ((*events)[0].resource_type, "DiagnosticReport");
  EXPECT_EQ((*events)[0].envelope_id, 1u);

  auto high = oru("LIS", patient("LIS", {mrn("M1")}), "15.2", "corrected", "H");
  high.reports[0].key = "F2";
  high.observations[0].key = "F2|2345-7|";
  high.reports[0].resource.result[0].reference = "Observation/F2|2345-7|";
  ASSERT_EQ(apply_one(2, high).status, ApplyStatus::kApplied);
  auto later = store_->outbox_after((*events)[0].seq);
  ASSERT_TRUE(later);
  ASSERT_EQ(later->size(), 2u);
  EXPECT_EQ((*later)[0].kind, "abnormal-result");
  EXPECT_EQ((*later)[1].kind, "new-report");
  EXPECT_GT((*later)[0].seq, (*events)[0].seq);
  EXPECT_GT((*later)[1].seq, (*later)[0].seq);
}

}  // namespace
}  // namespace medgw::crmstore

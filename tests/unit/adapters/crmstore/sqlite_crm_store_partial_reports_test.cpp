// ChangeSet::partial_reports (polled database rows, one observation per change set): the stored
// report's results accumulate across change sets of one report key; a whole-report re-send
// (HL7 v2) still replaces them.
#include <gtest/gtest.h>

#include <set>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "crmstore_test_support.hpp"

namespace medgw::crmstore {
namespace {

using testing::entries;
using testing::glucose;
using testing::kMrn;
using testing::mrn;
using testing::patient;

class PartialReports : public testing::StoreTest {};

// One row of report F1: the report and its one observation `code`.
model::ChangeSet row(const std::string& code, const std::string& value, bool partial = true) {
  model::ChangeSet cs;
  cs.message_type = "DB^ROW";
  cs.message_control_id = "dbpoll|lis|" + code;
  cs.sender = "LIS^H";
  cs.patient = patient("LIS^H", {mrn("M1")});
  cs.partial_reports = partial;
  model::DiagnosticReport r;
  r.status = "final";
  r.code.coding.push_back({"", "", "LFT", "liver panel"});
  const std::string key = "F1|" + code + "|";
  r.result.push_back({"Observation/" + key, "", ""});
  cs.reports.push_back({"F1", r, {}, {}});
  model::Observation o = glucose(value);
  o.code.coding = {{"", "", code, ""}};
  o.encounter = {};
  cs.observations.push_back({key, o, {}, {}});
  return cs;
}

std::set<std::string> result_refs(const rapidjson::Value& report) {
  std::set<std::string> out;
  for (const auto& r : report["result"].GetArray()) out.insert(r["reference"].GetString());
  return out;
}

TEST_F(PartialReports, RowsOfOneReportAccumulateItsResults) {
  EXPECT_EQ(apply_one(1, row("ALT", "21")).status, ApplyStatus::kApplied);
  EXPECT_EQ(apply_one(2, row("AST", "30")).status, ApplyStatus::kApplied);
  EXPECT_EQ(apply_one(3, row("TBIL", "9.1")).status, ApplyStatus::kApplied);

  auto bundle = archive(kMrn, "M1");
  auto reports = entries(bundle, "DiagnosticReport");
  auto observations = entries(bundle, "Observation");
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(observations.size(), 3u);
  std::set<std::string> ids;
  for (const auto* o : observations) ids.insert(std::string("Observation/") + (*o)["id"].GetString());
  EXPECT_EQ(result_refs(*reports[0]), ids);
  EXPECT_EQ((*reports[0])["result"].Size(), 3u);  // each once
  // In arrival order: the stored ones first.
  EXPECT_EQ(std::string((*reports[0])["result"][0]["reference"].GetString()),
            "Observation/" + text("SELECT id FROM observations WHERE key = 'F1|ALT|'"));
}

TEST_F(PartialReports, ARowReadAgainChangesNothing) {
  apply_one(1, row("ALT", "21"));
  apply_one(2, row("AST", "30"));
  const auto version = count("SELECT version FROM reports WHERE key = 'F1'");
  // The same row under a new envelope (re-polled after a crash, before the watermark moved).
  EXPECT_EQ(apply_one(3, row("ALT", "21")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM reports WHERE key = 'F1'"), version);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 2);
  auto bundle1 = archive(kMrn, "M1");  // named: entries() point into it
  auto reports = entries(bundle1, "DiagnosticReport");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ((*reports[0])["result"].Size(), 2u);
}

TEST_F(PartialReports, AnUpdatedRowKeepsTheOtherResults) {
  apply_one(1, row("ALT", "21"));
  apply_one(2, row("AST", "30"));
  EXPECT_EQ(apply_one(3, row("ALT", "25")).status, ApplyStatus::kApplied);  // the LIS corrected a value
  auto bundle2 = archive(kMrn, "M1");  // named: entries() point into it
  auto reports = entries(bundle2, "DiagnosticReport");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ((*reports[0])["result"].Size(), 2u);
  EXPECT_EQ(text("SELECT value_num FROM observations WHERE key = 'F1|ALT|'"), "25.0");
}

TEST_F(PartialReports, AWholeReportResendStillReplacesTheResults) {
  apply_one(1, row("ALT", "21", false));
  apply_one(2, row("AST", "30", false));
  auto bundle3 = archive(kMrn, "M1");  // named: entries() point into it
  auto reports = entries(bundle3, "DiagnosticReport");
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ((*reports[0])["result"].Size(), 1u);
  EXPECT_EQ(std::string((*reports[0])["result"][0]["reference"].GetString()),
            "Observation/" + text("SELECT id FROM observations WHERE key = 'F1|AST|'"));
}

}  // namespace
}  // namespace medgw::crmstore

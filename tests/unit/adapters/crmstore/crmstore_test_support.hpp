#pragma once
// Change sets for the CRM store's tests, as the v2 mapping would produce them (made-up patients),
// and a fresh database file per test in a temporary directory.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "mappings/mpi/national_id.hpp"

namespace medgw::crmstore::testing {

inline const std::string kMrn = "urn:oid:1.2.156.1.1.1";
inline const std::string kLabPid = "urn:oid:1.2.156.1.2.1";
// An operator's decision, as `medgw mpi ... --by --reason` makes it.
inline const mpi::Actor kOperator{"ops.tester", "checked with the ward", false};

inline model::Identifier mrn(const std::string& value, const std::string& system = kMrn) {
  model::Identifier id;
  id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "MR", ""});
  id.system = system;
  id.value = value;
  return id;
}

inline model::Identifier national(const std::string& value) {
  model::Identifier id;
  id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "NI", ""});
  id.system = "urn:oid:2.16.156.10011.1.1";
  id.value = value;
  return id;
}

inline std::string valid_national_id() {
  const std::string first17 = "11010119900307123";
  return first17 + mpi::national_id_check_char(first17);
}

inline model::PatientRecord patient(const std::string& sender, std::vector<model::Identifier> ids,
                                    const std::string& family = "张", const std::string& given = "三") {
  model::PatientRecord r;
  r.sender = sender;
  r.patient.identifier = std::move(ids);
  model::HumanName n;
  n.family = family;
  n.given.push_back(given);
  r.patient.name.push_back(n);
  r.patient.birth_date = "1990-03-07";
  r.patient.gender = "male";
  return r;
}

inline model::ChangeSet adt(const std::string& sender, model::PatientRecord p, const std::string& control_id = "ADT1") {
  model::ChangeSet cs;
  cs.message_type = "ADT^A01";
  cs.message_control_id = control_id;
  cs.sender = sender;
  cs.patient = std::move(p);
  model::Encounter e;
  e.status = "in-progress";
  e.class_ = {"http://terminology.hl7.org/CodeSystem/v3-ActCode", "", "IMP", ""};
  e.period.start = "2026-11-01T08:00:00+08:00";
  cs.encounters.push_back({"V100", e, {}, {}});
  return cs;
}

inline model::Observation glucose(const std::string& value, const std::string& status = "final",
                                  const std::string& flag = "") {
  model::Observation o;
  o.status = status;
  o.code.coding.push_back({"http://loinc.org", "", "2345-7", "Glucose"});
  o.effective_date_time = "2026-11-02T07:30:00+08:00";
  o.value = model::Quantity{{value}, "", "mmol/L", "http://unitsofmeasure.org", "mmol/L"};
  o.encounter.reference = "Encounter/V100";
  if (!flag.empty()) {
    model::CodeableConcept c;
    c.coding.push_back({"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "", flag, ""});
    o.interpretation.push_back(c);
  }
  return o;
}

// ORU^R01: one report (filler order F1) with one glucose result.
inline model::ChangeSet oru(const std::string& sender, model::PatientRecord p, const std::string& value = "5.60",
                            const std::string& status = "final", const std::string& flag = "") {
  model::ChangeSet cs;
  cs.message_type = "ORU^R01";
  cs.message_control_id = "ORU1";
  cs.sender = sender;
  cs.patient = std::move(p);
  model::DiagnosticReport r;
  r.status = status;
  r.code.coding.push_back({"http://loinc.org", "", "24323-8", "Metabolic panel"});
  r.effective_date_time = "2026-11-02T07:30:00+08:00";
  r.result.push_back({"Observation/F1|2345-7|", "", ""});
  r.encounter.reference = "Encounter/V100";
  cs.reports.push_back({"F1", r, {}, {}});
  cs.observations.push_back({"F1|2345-7|", glucose(value, status, flag), {}, {}});
  return cs;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("medgw_crmstore_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "nested" / "crm.sqlite").string();
    reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    store_.reset();
    auto s = SqliteCrmStore::open(path_);
    ASSERT_TRUE(s) << s.error();
    store_ = std::move(*s);
    store_->set_today([] {
      return std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}};
    });
  }
  std::vector<ApplyResult> apply(std::vector<ChangeItem> items) {
    auto r = store_->apply(items);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : std::vector<ApplyResult>{};
  }
  ApplyResult apply_one(std::uint64_t envelope, const model::ChangeSet& cs) {
    auto r = apply({ChangeItem{envelope, &cs}});
    return r.empty() ? ApplyResult{ApplyStatus::kRefused, "batch failed", {}} : r[0];
  }
  rapidjson::Document archive(const std::string& system, const std::string& value) {
    rapidjson::Document d;
    auto r = store_->archive_bundle(system, value);
    EXPECT_TRUE(r);
    if (r && *r) d.Parse((*r)->c_str());
    return d;
  }
  // A number from the database, read with the sqlite3 API directly (what a CRM would see).
  std::int64_t count(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
  std::string text(const std::string& sql, int column = 0) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::string s;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, column) != nullptr) {
      s = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return s;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<SqliteCrmStore> store_;
};

// Entries of a bundle of the given resource type.
inline std::vector<const rapidjson::Value*> entries(const rapidjson::Document& bundle, const std::string& type) {
  std::vector<const rapidjson::Value*> out;
  if (!bundle.IsObject() || !bundle.HasMember("entry")) return out;
  for (const auto& e : bundle["entry"].GetArray()) {
    const auto& r = e["resource"];
    if (r["resourceType"].GetString() == type) out.push_back(&r);
  }
  return out;
}

}  // namespace medgw::crmstore::testing

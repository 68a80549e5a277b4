// ArchiveReader: read, vread, history, $everything, the lookups after a write, and the audit log.
#include <atomic>
#include <filesystem>
#include <thread>
#include <tuple>

#include "adapters/crmstore/schema.hpp"
#include "archive_reader_test_support.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::kLabPid;
using testing::kMrn;
using testing::mrn;
using testing::oru;
using testing::patient;

class ArchiveRead : public testing::ReaderTest {
 protected:
  // HIS registers M1; the lab sends a result for the same patient (L1 + M1): one golden patient,
  // two source records.
  void two_records() {
    ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}))).status, ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid), mrn("M1")}))).status, ApplyStatus::kApplied);
    golden_ = golden_of_record(1);
    ASSERT_EQ(golden_of_record(2), golden_);
  }
  std::int64_t golden_ = 0;
};

TEST_F(ArchiveRead, OpenRefusesAMissingFileAndAnOlderSchema) {
  auto missing = ArchiveReader::open((dir_ / "nope.sqlite").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("no CRM store"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "nope.sqlite"));  // not created as a side effect

  exec("UPDATE schema_version SET version = 2");
  auto old = ArchiveReader::open(path_);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().find("older"), std::string::npos);
  exec("UPDATE schema_version SET version = " + std::to_string(sqlite::latest_schema_version()));
  EXPECT_TRUE(ArchiveReader::open(path_));
}

TEST_F(ArchiveRead, GoldenPatientIsComposedWithSeeAlsoLinksAndMeta) {
  two_records();
  auto r = reader().read("Patient", std::to_string(golden_));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  const StoredResource& p = **r;
  EXPECT_EQ(p.type, "Patient");
  EXPECT_EQ(p.id, std::to_string(golden_));
  EXPECT_EQ(p.golden, golden_);
  EXPECT_EQ(p.version, count("SELECT max(revision) FROM source_records"));
  EXPECT_EQ(p.last_updated, text("SELECT max(updated) FROM source_records"));
  auto d = parse(p.json);
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["resourceType"].GetString(), "Patient");
  EXPECT_EQ(std::string(d["id"].GetString()), p.id);
  EXPECT_EQ(std::string(d["meta"]["versionId"].GetString()), std::to_string(p.version));
  EXPECT_EQ(std::string(d["meta"]["lastUpdated"].GetString()), p.last_updated);
  EXPECT_EQ(d["identifier"].Size(), 2u);
  ASSERT_EQ(d["link"].Size(), 2u);
  EXPECT_STREQ(d["link"][0]["other"]["reference"].GetString(), "Patient/src-1");
  EXPECT_STREQ(d["link"][1]["other"]["reference"].GetString(), "Patient/src-2");
  EXPECT_STREQ(d["link"][1]["type"].GetString(), "seealso");
}

TEST_F(ArchiveRead, SourceRecordHasItsOwnVersionAndARefersToLink) {
  two_records();
  exec("UPDATE source_records SET version = 4 WHERE id = 2");
  auto r = reader().read("Patient", "src-2");
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->id, "src-2");
  EXPECT_EQ((*r)->version, 4);
  EXPECT_EQ((*r)->golden, golden_);
  auto d = parse((*r)->json);
  EXPECT_STREQ(d["id"].GetString(), "src-2");
  EXPECT_STREQ(d["meta"]["versionId"].GetString(), "4");
  ASSERT_EQ(d["link"].Size(), 1u);
  EXPECT_EQ(std::string(d["link"][0]["other"]["reference"].GetString()), "Patient/" + std::to_string(golden_));
  EXPECT_STREQ(d["link"][0]["type"].GetString(), "refer");
  EXPECT_EQ(d["identifier"].Size(), 2u);  // L1 and M1 as the lab sent them
}

TEST_F(ArchiveRead, MergedGoldenPatientIsInactiveAndPointsToTheSurvivor) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, adt("HIS", patient("HIS", {mrn("M2")}, "李", "四"), "ADT2")).status, ApplyStatus::kApplied);
  const auto survivor = golden_of_record(1), merged = golden_of_record(2);
  ASSERT_NE(survivor, merged);
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.patient = patient("HIS", {mrn("M1")}, "张", "三");
  a40.merges.push_back({patient("HIS", {mrn("M1")}, "张", "三"), {mrn("M2")}});
  ASSERT_EQ(apply_one(3, a40).status, ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT merged_into FROM golden_patients WHERE id = " + std::to_string(merged)), survivor);

  auto r = reader().read("Patient", std::to_string(merged));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  auto d = parse((*r)->json);
  EXPECT_FALSE(d["active"].GetBool());
  ASSERT_EQ(d["link"].Size(), 1u);
  EXPECT_STREQ(d["link"][0]["type"].GetString(), "replaced-by");
  EXPECT_EQ(std::string(d["link"][0]["other"]["reference"].GetString()), "Patient/" + std::to_string(survivor));
  EXPECT_FALSE(d.HasMember("identifier"));
  EXPECT_FALSE(d.HasMember("name"));
  // Versioned above what it was while active (the sum of its records' versions); lastUpdated is
  // the merge.
  EXPECT_GT((*r)->version, count("SELECT sum(sr.version) FROM links l JOIN source_records sr ON sr.id = "
                                 "l.source_record_id WHERE l.golden_id = " + std::to_string(merged)));
  EXPECT_EQ((*r)->last_updated, text("SELECT created FROM merges"));

  auto s = reader().read("Patient", std::to_string(survivor));
  ASSERT_TRUE(s && *s);
  EXPECT_EQ(parse((*s)->json)["link"].Size(), 2u);
  // The moved record now refers to the survivor.
  auto src = reader().read("Patient", "src-2");
  ASSERT_TRUE(src && *src);
  EXPECT_EQ(std::string(parse((*src)->json)["link"][0]["other"]["reference"].GetString()),
            "Patient/" + std::to_string(survivor));
}

TEST_F(ArchiveRead, UnknownTypesIdsAndReservedRowsAreNotFound) {
  two_records();
  for (const char* id : {"abc", "0", "007", "999", "src-999", "src-x", "src-", "-1", "1 ", ""}) {
    auto r = reader().read("Patient", id);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << id;
  }
  auto foo = reader().read("Foo", "1");
  ASSERT_TRUE(foo);
  EXPECT_FALSE(*foo);
  auto x = reader().read("Observation", "1x");
  ASSERT_TRUE(x);
  EXPECT_FALSE(*x);
  // A row reserved by a change set in flight has no resource yet.
  exec(
      "INSERT INTO observations (sender, key, status, code_system, code, effective, resource, envelope_id, updated) "
      "VALUES ('LIS', 'RESERVED', '', '', '', '', '', 9, 'now')");
  auto reserved =
      reader().read("Observation", std::to_string(count("SELECT id FROM observations WHERE key = 'RESERVED'")));
  ASSERT_TRUE(reserved);
  EXPECT_FALSE(*reserved);
}

TEST_F(ArchiveRead, ClinicalResourceHasIdMetaAndItsPatient) {
  two_records();
  const auto obs_id = count("SELECT id FROM observations");
  auto r = reader().read("Observation", std::to_string(obs_id));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->type, "Observation");
  EXPECT_EQ((*r)->version, 1);
  EXPECT_EQ((*r)->golden, golden_);
  EXPECT_EQ((*r)->last_updated, text("SELECT updated FROM observations"));
  auto d = parse((*r)->json);
  EXPECT_STREQ(d["resourceType"].GetString(), "Observation");
  EXPECT_EQ(std::string(d["id"].GetString()), std::to_string(obs_id));
  EXPECT_STREQ(d["meta"]["versionId"].GetString(), "1");
  EXPECT_EQ(std::string(d["subject"]["reference"].GetString()), "Patient/" + std::to_string(golden_));
  for (const char* type : {"DiagnosticReport", "Encounter"}) {
    const std::string table = type == std::string("Encounter") ? "encounters" : "reports";
    auto other = reader().read(type, std::to_string(count("SELECT id FROM " + table)));
    ASSERT_TRUE(other && *other) << type;
    EXPECT_EQ((*other)->type, type);
  }
}

TEST_F(ArchiveRead, VreadAndHistoryFromResourceHistory) {
  two_records();
  const auto obs = count("SELECT id FROM observations");
  const std::string id = std::to_string(obs);
  // Version 2 is current; version 1 is kept in resource_history (as the writer keeps it).
  exec("UPDATE observations SET version = 2, updated = '2026-11-23T10:00:00.000Z' WHERE id = " + id);
  exec(
      "INSERT OR REPLACE INTO resource_history (resource_type, resource_id, version, resource, updated, envelope_id) "
      "VALUES ('Observation', " +
      id + ", 1, '{\"resourceType\":\"Observation\",\"id\":\"" + id +
      "\",\"status\":\"preliminary\"}', '2026-11-22T09:00:00.000Z', 1)");

  auto v1 = reader().vread("Observation", id, 1);
  ASSERT_TRUE(v1 && *v1);
  EXPECT_EQ((*v1)->version, 1);
  EXPECT_EQ((*v1)->last_updated, "2026-11-22T09:00:00.000Z");
  auto d1 = parse((*v1)->json);
  EXPECT_STREQ(d1["status"].GetString(), "preliminary");
  EXPECT_STREQ(d1["meta"]["versionId"].GetString(), "1");
  EXPECT_STREQ(d1["meta"]["lastUpdated"].GetString(), "2026-11-22T09:00:00.000Z");

  auto v2 = reader().vread("Observation", id, 2);
  ASSERT_TRUE(v2 && *v2);
  EXPECT_EQ((*v2)->version, 2);
  EXPECT_STREQ(parse((*v2)->json)["status"].GetString(), "final");
  auto v3 = reader().vread("Observation", id, 3);
  ASSERT_TRUE(v3);
  EXPECT_FALSE(*v3);

  auto h = reader().history("Observation", id);
  ASSERT_TRUE(h && *h);
  ASSERT_EQ((*h)->size(), 2u);
  EXPECT_EQ((**h)[0].version, 2);
  EXPECT_EQ((**h)[1].version, 1);
  auto none = reader().history("Observation", "999");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(ArchiveRead, SourceRecordVersionsAndGoldenPatientsOnlyCurrent) {
  two_records();
  exec("UPDATE source_records SET version = 2 WHERE id = 1");
  exec(
      "INSERT OR REPLACE INTO resource_history (resource_type, resource_id, version, resource, updated, envelope_id) "
      "VALUES ('Patient', 1, 1, '{\"resourceType\":\"Patient\",\"id\":\"src-1\",\"gender\":\"unknown\"}', "
      "'2026-11-20T00:00:00.000Z', 1)");
  auto v1 = reader().vread("Patient", "src-1", 1);
  ASSERT_TRUE(v1 && *v1);
  auto d = parse((*v1)->json);
  EXPECT_STREQ(d["gender"].GetString(), "unknown");
  EXPECT_STREQ(d["id"].GetString(), "src-1");
  EXPECT_STREQ(d["link"][0]["type"].GetString(), "refer");
  auto h = reader().history("Patient", "src-1");
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->size(), 2u);

  auto golden = reader().read("Patient", std::to_string(golden_));
  ASSERT_TRUE(golden && *golden);
  auto same = reader().vread("Patient", std::to_string(golden_), (*golden)->version);
  ASSERT_TRUE(same && *same);
  auto older = reader().vread("Patient", std::to_string(golden_), (*golden)->version - 1);
  ASSERT_TRUE(older);
  EXPECT_FALSE(*older);
  auto gh = reader().history("Patient", std::to_string(golden_));
  ASSERT_TRUE(gh && *gh);
  EXPECT_EQ((*gh)->size(), 1u);
}

TEST_F(ArchiveRead, EverythingListsThePatientItsRecordsAndItsArchive) {
  two_records();
  auto all = reader().everything(std::to_string(golden_));
  ASSERT_TRUE(all && *all);
  std::vector<std::string> types;
  for (const auto& r : **all) types.push_back(r.type + "/" + r.id);
  ASSERT_EQ(types.size(), 6u);
  EXPECT_EQ(types[0], "Patient/" + std::to_string(golden_));
  EXPECT_EQ(types[1], "Patient/src-1");
  EXPECT_EQ(types[2], "Patient/src-2");
  EXPECT_EQ(types[3].substr(0, 10), "Encounter/");
  EXPECT_EQ(types[4].substr(0, 17), "DiagnosticReport/");
  EXPECT_EQ(types[5].substr(0, 12), "Observation/");
  for (const auto& r : **all) {
    EXPECT_EQ(r.golden, golden_);
    EXPECT_TRUE(parse(r.json).HasMember("meta"));
  }
  auto by_record = reader().everything("src-2");
  ASSERT_TRUE(by_record && *by_record);
  EXPECT_EQ((*by_record)->size(), 6u);
  for (const char* id : {"999", "src-999", "x"}) {
    auto none = reader().everything(id);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none) << id;
  }
}

TEST_F(ArchiveRead, FindsTheRowsAWriteProduced) {
  two_records();
  auto obs = reader().find_by_key("Observation", "LIS", "F1|2345-7|");
  ASSERT_TRUE(obs && *obs);
  EXPECT_EQ((*obs)->id, std::to_string(count("SELECT id FROM observations")));
  auto report = reader().find_by_key("DiagnosticReport", "LIS", "F1");
  ASSERT_TRUE(report && *report);
  const std::vector<std::tuple<std::string, std::string, std::string>> absent{{"Observation", "HIS", "F1|2345-7|"},
                                                                              {"Observation", "LIS", "F2"},
                                                                              {"Patient", "HIS", "M1"},
                                                                              {"Foo", "LIS", "F1"}};
  for (const auto& [type, sender, key] : absent) {
    auto none = reader().find_by_key(type, sender, key);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none) << type << " " << sender << " " << key;
  }
  const std::string system = text("SELECT key_system FROM source_records WHERE id = 2");
  const std::string value = text("SELECT key_value FROM source_records WHERE id = 2");
  auto src = reader().find_source_record("LIS", system, value);
  ASSERT_TRUE(src && *src);
  EXPECT_EQ((*src)->id, "src-2");
  auto nobody = reader().find_source_record("HIS", system, value);
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(*nobody);
}

TEST_F(ArchiveRead, SeesWritesCommittedAfterItOpened) {
  two_records();
  ArchiveReader& r = reader();
  ASSERT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M9")}, "王", "五"), "ADT9")).status, ApplyStatus::kApplied);
  auto p = r.read("Patient", "src-3");
  ASSERT_TRUE(p && *p);
  EXPECT_NE((*p)->json.find("王"), std::string::npos);
}

// WAL: the reader's snapshots and audit writes go on while the pipeline writes, without errors.
TEST_F(ArchiveRead, ReadsAndAuditsWhileTheStoreWrites) {
  two_records();
  ArchiveReader& r = reader();
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, reads{0};
  std::thread client([&] {
    AuditEntry e{"crm-app", "search", "Patient", {golden_}, "/fhir/Patient?name=x", "200"};
    while (!done) {
      auto page = r.search(testing::query("Patient", {testing::param("identifier", {"M1"})}));
      if (!page || page->matches.size() != 1) ++failures;
      auto everything = r.everything(std::to_string(golden_));
      if (!everything || !*everything) ++failures;
      if (!r.audit(e)) ++failures;
      ++reads;
    }
  });
  for (int i = 0; i < 40; ++i) {
    auto cs = oru("LIS", patient("LIS", {mrn("L1", kLabPid), mrn("M1")}), std::to_string(5 + i % 3) + ".0");
    cs.observations[0].key = "F1|2345-7|" + std::to_string(i);
    EXPECT_EQ(apply_one(static_cast<std::uint64_t>(100 + i), cs).status, ApplyStatus::kApplied);
  }
  // Let the client run at least a few rounds against the final state too.
  while (reads < 5) std::this_thread::yield();
  done = true;
  client.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log"), reads.load());
}

TEST_F(ArchiveRead, AuditWritesOneRowPerPatient) {
  two_records();
  AuditEntry e;
  e.client = "crm-app";
  e.action = "search";
  e.resource_type = "Observation";
  e.goldens = {golden_, golden_, 7};
  e.query = "/fhir/Observation?patient=1&code=2345-7";
  e.outcome = "200";
  ASSERT_TRUE(reader().audit(e));
  EXPECT_EQ(count("SELECT count(*) FROM audit_log"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE golden_id = " + std::to_string(golden_)), 1);
  EXPECT_EQ(text("SELECT client || ' ' || action || ' ' || resource_type || ' ' || query || ' ' || outcome "
                 "FROM audit_log WHERE golden_id = 7"),
            "crm-app search Observation /fhir/Observation?patient=1&code=2345-7 200");
  EXPECT_EQ(text("SELECT at FROM audit_log").size(), 24u);  // 2026-11-23T18:22:44.123Z

  e.goldens.clear();
  e.action = "read";
  e.outcome = "404";
  ASSERT_TRUE(reader().audit(e));
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE golden_id IS NULL AND outcome = '404'"), 1);
  // The pipeline keeps writing while the reader audits.
  EXPECT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M9")}), "ADT9")).status, ApplyStatus::kApplied);
  ASSERT_TRUE(reader().audit(e));
  EXPECT_EQ(count("SELECT count(*) FROM audit_log"), 4);
}

}  // namespace
}  // namespace medgw::crmstore

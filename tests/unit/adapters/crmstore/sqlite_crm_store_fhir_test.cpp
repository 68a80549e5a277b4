// The write side of the FHIR API: versions and history, search indexes, received FHIR JSON,
// subject references, update targets with If-Match, refusal codes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "adapters/crmstore/search_index.hpp"
#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "crmstore_test_support.hpp"
#include "mappings/mpi/identity.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::glucose;
using testing::kMrn;
using testing::mrn;
using testing::oru;
using testing::patient;

class FhirWrites : public testing::StoreTest {
 protected:
  rapidjson::Document json(const std::string& sql) {
    rapidjson::Document d;
    const std::string t = text(sql);
    d.Parse(t.c_str());
    EXPECT_FALSE(d.HasParseError()) << sql << ": " << t;
    return d;
  }
  // Tokens of one resource, as "param|system|code", sorted.
  std::vector<std::string> tokens(const std::string& type, std::int64_t id) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT param || '|' || system || '|' || code FROM resource_tokens WHERE resource_type = ?1 "
                       "AND resource_id = ?2 ORDER BY 1",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  std::vector<std::string> name_parts(std::int64_t record) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT part FROM patient_names WHERE source_record_id = ?1 ORDER BY part", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, record);
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  // The golden patient of the HIS record M1 (created by an ADT).
  std::int64_t admit(const std::string& mrn_value = "M1", std::uint64_t envelope = 1) {
    EXPECT_EQ(apply_one(envelope, adt("HIS", patient("HIS", {mrn(mrn_value)}), "ADT" + mrn_value)).status,
              ApplyStatus::kApplied);
    return count("SELECT l.golden_id FROM links l JOIN source_records sr ON sr.id = l.source_record_id "
                 "WHERE l.undone IS NULL AND sr.key_value = '" + mrn_value + "'");
  }
};

model::ChangeSet fhir_change_set(model::SubjectReference subject) {
  model::ChangeSet cs;
  cs.message_type = "FHIR";
  cs.message_control_id = "req-1";
  cs.sender = "FHIR^client";
  cs.subject = std::move(subject);
  return cs;
}

model::SubjectReference by_id(const std::string& id) { return {id, std::nullopt}; }

template <class R>
model::Keyed<R> keyed(std::string key, R resource, std::string fhir_json = {}) {
  model::Keyed<R> k;
  k.key = std::move(key);
  k.resource = std::move(resource);
  k.fhir_json = std::move(fhir_json);
  return k;
}

TEST_F(FhirWrites, VersionGrowsOnlyWhenTheResourceChanges) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}), "5.60")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations"), 1);
  EXPECT_EQ(count("SELECT version FROM reports"), 1);
  EXPECT_EQ(count("SELECT version FROM source_records"), 1);
  // Sent again unchanged under a new envelope: nothing moves.
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("M1")}), "5.60")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations"), 1);
  EXPECT_EQ(count("SELECT version FROM source_records"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM resource_history"), 0);
  const std::string first = text("SELECT resource FROM observations");
  const std::string first_updated = text("SELECT updated FROM observations");
  // A corrected value: version 2, the first version kept in history with its time and envelope.
  ASSERT_EQ(apply_one(3, oru("LIS", patient("LIS", {mrn("M1")}), "6.10", "corrected")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations"), 2);
  EXPECT_EQ(count("SELECT version FROM reports"), 2);  // its status changed too
  EXPECT_EQ(count("SELECT count(*) FROM resource_history WHERE resource_type = 'Observation'"), 1);
  EXPECT_EQ(text("SELECT resource FROM resource_history WHERE resource_type = 'Observation' AND version = 1"), first);
  EXPECT_EQ(text("SELECT updated FROM resource_history WHERE resource_type = 'Observation'"), first_updated);
  EXPECT_EQ(count("SELECT envelope_id FROM resource_history WHERE resource_type = 'Observation'"), 1);
  EXPECT_EQ(count("SELECT resource_id FROM resource_history WHERE resource_type = 'Observation'"),
            count("SELECT id FROM observations"));
  // observation_history is kept as before.
  EXPECT_EQ(count("SELECT count(*) FROM observation_history"), 1);
  // Stored JSON: id, no meta.
  auto obs = json("SELECT resource FROM observations");
  EXPECT_EQ(std::string(obs["id"].GetString()), std::to_string(count("SELECT id FROM observations")));
  EXPECT_FALSE(obs.HasMember("meta"));
}

TEST_F(FhirWrites, SourceRecordVersionsAndHistory) {
  admit();
  EXPECT_EQ(count("SELECT version FROM source_records"), 1);
  EXPECT_EQ(count("SELECT envelope_id FROM source_records"), 1);
  const std::string first = text("SELECT resource FROM source_records");
  EXPECT_EQ(apply_one(2, adt("HIS", patient("HIS", {mrn("M1")}), "ADT2")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM source_records"), 1);
  EXPECT_EQ(count("SELECT envelope_id FROM source_records"), 1);
  // Renamed: version 2; version 1 in history as resource type Patient under the record's id.
  EXPECT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M1")}, "李", "四"), "ADT3")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM source_records"), 2);
  EXPECT_EQ(count("SELECT envelope_id FROM source_records"), 3);
  EXPECT_EQ(text("SELECT resource FROM resource_history WHERE resource_type = 'Patient' AND version = 1 "
                 "AND resource_id = (SELECT id FROM source_records)"),
            first);
  auto stored = json("SELECT resource FROM source_records");
  EXPECT_EQ(std::string(stored["id"].GetString()), "src-" + std::to_string(count("SELECT id FROM source_records")));
  EXPECT_FALSE(stored.HasMember("meta"));
  EXPECT_FALSE(stored.HasMember("link"));
}

TEST_F(FhirWrites, TokensForEveryCodingReplacedOnUpdate) {
  auto cs = oru("LIS", patient("LIS", {mrn("M1")}));
  auto& o = cs.observations[0].resource;
  o.code.coding.push_back({"urn:oid:1.2.156.1.2.9", "", "GLU", "血糖"});
  model::CodeableConcept lab;
  lab.coding.push_back({"http://terminology.hl7.org/CodeSystem/observation-category", "", "laboratory", ""});
  o.category.push_back(lab);
  model::Identifier id;
  id.system = "urn:lis";
  id.value = "R-1";
  o.identifier.push_back(id);
  o.identifier.push_back(id);  // duplicates are indexed once
  ASSERT_EQ(apply_one(1, cs).status, ApplyStatus::kApplied);
  const auto obs = count("SELECT id FROM observations");
  EXPECT_EQ(tokens("Observation", obs),
            (std::vector<std::string>{"category|http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
                                      "code|http://loinc.org|2345-7", "code|urn:oid:1.2.156.1.2.9|GLU",
                                      "identifier|urn:lis|R-1", "status||final"}));
  const auto report = count("SELECT id FROM reports");
  EXPECT_EQ(tokens("DiagnosticReport", report),
            (std::vector<std::string>{"code|http://loinc.org|24323-8", "status||final"}));
  // The encounter reference of the lab names nothing stored: no Encounter rows from this message.
  EXPECT_EQ(count("SELECT count(*) FROM resource_tokens WHERE resource_type = 'Encounter'"), 0);
  // Patient identifier tokens, by source record id.
  EXPECT_EQ(tokens("Patient", count("SELECT id FROM source_records")),
            (std::vector<std::string>{"identifier|" + kMrn + "|M1"}));

  // An update replaces the rows.
  o.code.coding.pop_back();
  o.category.clear();
  o.status = "corrected";
  ASSERT_EQ(apply_one(2, cs).status, ApplyStatus::kApplied);
  EXPECT_EQ(tokens("Observation", obs), (std::vector<std::string>{"code|http://loinc.org|2345-7",
                                                                  "identifier|urn:lis|R-1", "status||corrected"}));
}

TEST_F(FhirWrites, TokensOfEncountersDocumentsAndStudies) {
  auto cs = adt("HIS", patient("HIS", {mrn("M1")}));
  model::CodeableConcept type;
  type.coding.push_back({"urn:his:visit-type", "", "GEN", ""});
  type.coding.push_back({"urn:his:visit-type", "", "", "no code: not indexed"});
  cs.encounters[0].resource.type.push_back(type);
  model::DocumentReference doc;
  doc.status = "current";
  doc.master_identifier.system = "urn:his:doc";
  doc.master_identifier.value = "D-9";
  doc.type.coding.push_back({"http://loinc.org", "", "11506-3", "Progress note"});
  model::CodeableConcept cat;
  cat.coding.push_back({"urn:his:doc-class", "", "CN", ""});
  doc.category.push_back(cat);
  cs.documents.push_back(keyed("D-9", doc));
  model::ImagingStudy study;
  study.status = "available";
  study.modality.push_back({"http://dicom.nema.org/resources/ontology/DCM", "", "CT", ""});
  study.modality.push_back({"http://dicom.nema.org/resources/ontology/DCM", "", "SR", ""});
  cs.studies.push_back(keyed("1.2.3", study));
  ASSERT_EQ(apply_one(1, cs).status, ApplyStatus::kApplied);
  EXPECT_EQ(tokens("Encounter", count("SELECT id FROM encounters")),
            (std::vector<std::string>{"code|http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP",
                                      "code|urn:his:visit-type|GEN", "status||in-progress"}));
  EXPECT_EQ(tokens("DocumentReference", count("SELECT id FROM documents")),
            (std::vector<std::string>{"category|urn:his:doc-class|CN", "code|http://loinc.org|11506-3",
                                      "identifier|urn:his:doc|D-9", "status||current"}));
  EXPECT_EQ(tokens("ImagingStudy", count("SELECT id FROM imaging_studies")),
            (std::vector<std::string>{"code|http://dicom.nema.org/resources/ontology/DCM|CT",
                                      "code|http://dicom.nema.org/resources/ontology/DCM|SR", "status||available"}));
}

TEST_F(FhirWrites, PatientNamesBirthDateAndGender) {
  auto record = patient("HIS", {mrn("M1")}, "张", "三");
  record.patient.name[0].text = "张三";
  model::HumanName latin;
  latin.text = " John  SMITH ";
  latin.family = "Smith";
  latin.given = {"John", "Q."};
  record.patient.name.push_back(latin);
  record.patient.gender = "female";
  ASSERT_EQ(apply_one(1, adt("HIS", record)).status, ApplyStatus::kApplied);
  const auto id = count("SELECT id FROM source_records");
  EXPECT_EQ(name_parts(id),
            (std::vector<std::string>{"john", "john smith", "q.", "smith", "三", "张", "张三"}));
  EXPECT_EQ(text("SELECT birth_date || '|' || gender FROM source_records"), "1990-03-07|female");
  // The prefix search documented in schema.cpp, with the query normalised the same way.
  for (const char* query : {"张", "张三", "SMI", "john s"}) {
    const std::string q = sqlite::normalise_name_part(query);
    EXPECT_EQ(count("SELECT count(DISTINCT source_record_id) FROM patient_names WHERE part >= '" + q +
                    "' AND part < '" + q + "' || char(1114111)"),
              1)
        << query;
  }
  EXPECT_EQ(count("SELECT count(*) FROM patient_names WHERE part >= '李' AND part < '李' || char(1114111)"), 0);
  // A new name replaces the old parts.
  ASSERT_EQ(apply_one(2, adt("HIS", patient("HIS", {mrn("M1")}, "李", "四"), "ADT2")).status, ApplyStatus::kApplied);
  EXPECT_EQ(name_parts(id), (std::vector<std::string>{"四", "李"}));
  EXPECT_EQ(text("SELECT gender FROM source_records"), "male");
}

TEST_F(FhirWrites, NormalisedNamePart) {
  EXPECT_EQ(sqlite::normalise_name_part("  McDonald\t"), "mcdonald");
  EXPECT_EQ(sqlite::normalise_name_part("张三"), "张三");
  EXPECT_EQ(sqlite::normalise_name_part(" Mary \t Ann  "), "mary ann");
  EXPECT_EQ(sqlite::normalise_name_part("ÉMILE"), "Émile");  // only ASCII is folded
}

TEST_F(FhirWrites, ReceivedFhirJsonIsKeptWithIdsAndReferencesRewritten) {
  const auto golden = admit();
  // An earlier result the same client stored under key "old".
  auto first = fhir_change_set(by_id(std::to_string(golden)));
  first.observations.push_back(keyed("old", glucose("5.0")));
  ASSERT_EQ(apply_one(2, first).status, ApplyStatus::kApplied);
  const auto old_id = count("SELECT id FROM observations WHERE key = 'old'");

  auto cs = fhir_change_set(by_id(std::to_string(golden)));
  const std::string panel_json = R"({"resourceType":"Observation","id":"client-side","meta":{"versionId":"7",)"
                                 R"("lastUpdated":"2020-01-01T00:00:00Z"},"status":"final",)"
                                 R"("extension":[{"url":"urn:x:site","valueString":"急诊"}],)"
                                 R"("code":{"coding":[{"system":"http://loinc.org","code":"24323-8"}]},)"
                                 R"("subject":{"reference":"Patient/whatever","display":"someone"},)"
                                 R"("hasMember":[{"reference":"Observation/glu"},{"reference":"Observation/old"},)"
                                 R"({"reference":"Observation/never-sent"},{"reference":"https://x.org/fhir/Observation/1"}],)"
                                 R"("component":[{"code":{"text":"x"},"valueString":"unknown to the model"}]})";
  model::Observation panel;
  panel.status = "final";
  panel.code.coding.push_back({"http://loinc.org", "", "24323-8", ""});
  cs.observations.push_back(keyed("panel", panel, panel_json));
  cs.observations.push_back(keyed("glu", glucose("5.5")));
  ASSERT_EQ(apply_one(3, cs).status, ApplyStatus::kApplied);
  const auto panel_id = count("SELECT id FROM observations WHERE key = 'panel'");
  const auto glu_id = count("SELECT id FROM observations WHERE key = 'glu'");
  auto stored = json("SELECT resource FROM observations WHERE key = 'panel'");
  EXPECT_STREQ(stored["resourceType"].GetString(), "Observation");
  EXPECT_EQ(std::string(stored["id"].GetString()), std::to_string(panel_id));
  EXPECT_FALSE(stored.HasMember("meta"));
  EXPECT_EQ(std::string(stored["subject"]["reference"].GetString()), "Patient/" + std::to_string(golden));
  EXPECT_STREQ(stored["subject"]["display"].GetString(), "someone");
  EXPECT_STREQ(stored["extension"][0]["valueString"].GetString(), "急诊");
  EXPECT_STREQ(stored["component"][0]["valueString"].GetString(), "unknown to the model");
  const auto& members = stored["hasMember"];
  EXPECT_EQ(std::string(members[0]["reference"].GetString()), "Observation/" + std::to_string(glu_id));
  EXPECT_EQ(std::string(members[1]["reference"].GetString()), "Observation/" + std::to_string(old_id));
  EXPECT_STREQ(members[2]["reference"].GetString(), "Observation/never-sent");
  EXPECT_STREQ(members[3]["reference"].GetString(), "https://x.org/fhir/Observation/1");
  // Columns and tokens come from the model resource.
  EXPECT_EQ(text("SELECT code FROM observations WHERE key = 'panel'"), "24323-8");
  EXPECT_EQ(tokens("Observation", panel_id), (std::vector<std::string>{"code|http://loinc.org|24323-8", "status||final"}));
  // The same JSON again: unchanged, same version.
  ASSERT_EQ(apply_one(4, cs).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations WHERE key = 'panel'"), 1);

  // A subject missing from the JSON is added; JSON that is not an object is refused.
  auto bare = fhir_change_set(by_id(std::to_string(golden)));
  bare.observations.push_back(keyed("bare", glucose("4.0"), R"({"resourceType":"Observation","status":"final"})"));
  ASSERT_EQ(apply_one(5, bare).status, ApplyStatus::kApplied);
  EXPECT_EQ(std::string(json("SELECT resource FROM observations WHERE key = 'bare'")["subject"]["reference"].GetString()),
            "Patient/" + std::to_string(golden));
  auto broken = fhir_change_set(by_id(std::to_string(golden)));
  broken.observations.push_back(keyed("broken", glucose("4.0"), "[1,2"));
  auto r = apply_one(6, broken);
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedInvalid);
  EXPECT_EQ(count("SELECT count(*) FROM observations WHERE key = 'broken'"), 0);
}

TEST_F(FhirWrites, ReceivedPatientJsonIsKept) {
  auto record = patient("FHIR^client", {mrn("M1")});
  record.fhir_json = R"({"resourceType":"Patient","id":"abc","meta":{"versionId":"3"},)"
                     R"("extension":[{"url":"urn:x:ethnicity","valueString":"汉族"}],)"
                     R"("identifier":[{"system":")" + kMrn + R"(","value":"M1"}],"name":[{"family":"张","given":["三"]}],)"
                     R"("link":[{"type":"seealso","other":{"reference":"Patient/9"}}],"birthDate":"1990-03-07"})";
  model::ChangeSet cs;
  cs.message_type = "FHIR";
  cs.sender = "FHIR^client";
  cs.patient = record;
  ASSERT_EQ(apply_one(1, cs).status, ApplyStatus::kApplied);
  const auto id = count("SELECT id FROM source_records");
  auto stored = json("SELECT resource FROM source_records");
  EXPECT_EQ(std::string(stored["id"].GetString()), "src-" + std::to_string(id));
  EXPECT_STREQ(stored["extension"][0]["valueString"].GetString(), "汉族");
  EXPECT_FALSE(stored.HasMember("meta"));
  // The sender's own links are its data (the reader adds medgw's link to the golden patient).
  ASSERT_TRUE(stored.HasMember("link"));
  EXPECT_STREQ(stored["link"][0]["type"].GetString(), "seealso");
  // The golden patient composed from it carries its own id and links, not the record's.
  auto bundle = archive(kMrn, "M1");
  auto patients = testing::entries(bundle, "Patient");
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(std::string((*patients[0])["id"].GetString()), std::to_string(count("SELECT id FROM golden_patients")));
  EXPECT_EQ(std::string((*patients[0])["link"][0]["other"]["reference"].GetString()), "Patient/src-" + std::to_string(id));
  EXPECT_FALSE(patients[0]->HasMember("meta"));
}

TEST_F(FhirWrites, SubjectByGoldenIdSourceRecordAndIdentifier) {
  const auto g1 = admit("M1", 1);
  const auto g2 = admit("M2", 2);
  ASSERT_NE(g1, g2);
  const auto src2 = count("SELECT id FROM source_records WHERE key_value = 'M2'");
  struct Case {
    model::SubjectReference subject;
    std::int64_t golden;
  };
  const std::vector<Case> cases{
      {by_id(std::to_string(g1)), g1},
      {by_id("src-" + std::to_string(src2)), g2},
      {{"", model::Identifier{"", {}, kMrn, "M2", {}, ""}}, g2},
      {{"", model::Identifier{"", {}, "", "M1", {}, ""}}, g1},  // any system
      {by_id("Patient/" + std::to_string(g2)), g2},              // a relative reference
  };
  std::uint64_t envelope = 10;
  for (const auto& c : cases) {
    auto cs = fhir_change_set(c.subject);
    const std::string key = "k" + std::to_string(envelope);
    cs.observations.push_back(keyed(key, glucose("5.0")));
    auto r = apply_one(envelope++, cs);
    ASSERT_EQ(r.status, ApplyStatus::kApplied) << r.reason;
    EXPECT_EQ(count("SELECT golden_id FROM observations WHERE key = '" + key + "'"), c.golden) << key;
    EXPECT_EQ(std::string(json("SELECT resource FROM observations WHERE key = '" + key + "'")["subject"]["reference"]
                              .GetString()),
              "Patient/" + std::to_string(c.golden));
  }
  // The row belongs to the record the client named.
  EXPECT_EQ(count("SELECT source_record_id FROM observations WHERE key = 'k11'"), src2);
}

TEST_F(FhirWrites, SubjectByNationalIdWithLowerCaseCheckDigit) {
  // A made-up ID for a man born 1990-03-07 (odd sequence number) whose check digit is X.
  std::string nid;
  for (int seq = 1; seq < 1000 && nid.empty(); seq += 2) {
    const std::string digits = std::string(seq < 10 ? "00" : seq < 100 ? "0" : "") + std::to_string(seq);
    const std::string first17 = "11010119900307" + digits;
    if (mpi::national_id_check_char(first17) == 'X') nid = first17 + 'X';
  }
  ASSERT_FALSE(nid.empty());
  EXPECT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1"), testing::national(nid)}))).status,
            ApplyStatus::kApplied);
  std::string lower = nid;
  lower.back() = 'x';
  auto cs = fhir_change_set({"", model::Identifier{"", {}, std::string(mpi::kNationalIdSystem), lower, {}, ""}});
  cs.observations.push_back(keyed("by-nid", glucose("5.0")));
  auto r = apply_one(2, cs);
  ASSERT_EQ(r.status, ApplyStatus::kApplied) << r.reason;
  EXPECT_EQ(count("SELECT golden_id FROM observations"), count("SELECT id FROM golden_patients"));
}

TEST_F(FhirWrites, SubjectOfAMergedGoldenPatientIsTheSurvivor) {
  const auto g1 = admit("M1", 1);
  const auto g2 = admit("M2", 2);
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.merges.push_back({patient("HIS", {mrn("M1")}), {mrn("M2")}});
  ASSERT_EQ(apply_one(3, a40).status, ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT merged_into FROM golden_patients WHERE id = " + std::to_string(g2)), g1);
  auto cs = fhir_change_set(by_id(std::to_string(g2)));
  cs.observations.push_back(keyed("after-merge", glucose("5.0")));
  ASSERT_EQ(apply_one(4, cs).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT golden_id FROM observations WHERE key = 'after-merge'"), g1);
}

TEST_F(FhirWrites, RowsFollowAMergeWithoutANewVersion) {
  const auto g1 = admit("M1", 1);
  const auto g2 = admit("M2", 2);
  const auto src2 = count("SELECT id FROM source_records WHERE key_value = 'M2'");
  auto cs = fhir_change_set(by_id("src-" + std::to_string(src2)));
  cs.observations.push_back(keyed("o", glucose("5.0"), R"({"resourceType":"Observation","status":"final",)"
                                                       R"("extension":[{"url":"urn:x","valueString":"kept"}]})"));
  ASSERT_EQ(apply_one(3, cs).status, ApplyStatus::kApplied);
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.merges.push_back({patient("HIS", {mrn("M1")}), {mrn("M2")}});
  ASSERT_EQ(apply_one(4, a40).status, ApplyStatus::kApplied);
  auto stored = json("SELECT resource FROM observations WHERE key = 'o'");
  EXPECT_EQ(std::string(stored["subject"]["reference"].GetString()), "Patient/" + std::to_string(g1));
  EXPECT_STREQ(stored["extension"][0]["valueString"].GetString(), "kept");
  // The store re-pointing its own reference is not a new version of what the client sent.
  EXPECT_EQ(count("SELECT version FROM observations WHERE key = 'o'"), 1);
  EXPECT_NE(g1, g2);
}

TEST_F(FhirWrites, ARowWrittenTwiceInOneChangeSetIsIndexedOnceAsLastWritten) {
  const auto g = admit();
  auto cs = fhir_change_set(by_id(std::to_string(g)));
  cs.observations.push_back(keyed("same", glucose("5.0", "preliminary")));
  cs.observations.push_back(keyed("same", glucose("5.1", "final")));
  ASSERT_EQ(apply_one(2, cs).status, ApplyStatus::kApplied);
  const auto id = count("SELECT id FROM observations");
  // Nobody saw the first: one version, no history.
  EXPECT_EQ(count("SELECT version FROM observations"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM resource_history"), 0);
  EXPECT_EQ(text("SELECT status FROM observations"), "final");
  EXPECT_EQ(tokens("Observation", id), (std::vector<std::string>{"code|http://loinc.org|2345-7", "status||final"}));
}

TEST_F(FhirWrites, UnknownSubjectIsRefused) {
  const auto g = admit();
  for (const auto& subject : std::vector<model::SubjectReference>{
           by_id(std::to_string(g + 100)), by_id("src-999"), by_id("src-x"), by_id("abc"), by_id("0"),
           {"", model::Identifier{"", {}, kMrn, "NOBODY", {}, ""}}, {}}) {
    auto cs = fhir_change_set(subject);
    cs.observations.push_back(keyed("x", glucose("5.0")));
    auto r = apply_one(0, cs);
    EXPECT_EQ(r.status, ApplyStatus::kRefused) << subject.patient_id;
    EXPECT_EQ(r.code, kRefusedUnknownSubject) << subject.patient_id;
  }
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 1);  // never creates a patient
}

TEST_F(FhirWrites, NoPatientIsRefusedAsInvalid) {
  model::ChangeSet cs;
  cs.sender = "LIS";
  cs.observations.push_back(keyed("x", glucose("5.0")));
  auto r = apply_one(1, cs);
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedInvalid);
  // A patient without any identifier: refused by the index, as invalid.
  auto bad = adt("HIS", patient("HIS", {}));
  r = apply_one(2, bad);
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedInvalid);
}

TEST_F(FhirWrites, UpdateByIdWithIfMatch) {
  const auto g = admit();
  auto create = fhir_change_set(by_id(std::to_string(g)));
  create.observations.push_back(keyed("orig-key", glucose("5.0")));
  ASSERT_EQ(apply_one(2, create).status, ApplyStatus::kApplied);
  const auto id = count("SELECT id FROM observations");

  auto update = [&](std::string target, std::optional<std::int64_t> if_match, const std::string& value) {
    auto cs = fhir_change_set(by_id(std::to_string(g)));
    auto k = keyed("another-key", glucose(value));
    k.target.id = std::move(target);
    k.target.if_match = if_match;
    cs.observations.push_back(k);
    return cs;
  };
  auto r = apply_one(3, update(std::to_string(id), 1, "6.0"));
  ASSERT_EQ(r.status, ApplyStatus::kApplied) << r.reason;
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 1);
  EXPECT_EQ(text("SELECT key FROM observations"), "orig-key");  // the key stays
  EXPECT_EQ(count("SELECT version FROM observations"), 2);
  EXPECT_EQ(text("SELECT value_num FROM observations"), "6.0");

  // Stale If-Match: refused, nothing changes.
  r = apply_one(4, update(std::to_string(id), 1, "7.0"));
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedVersionConflict);
  EXPECT_EQ(count("SELECT version FROM observations"), 2);
  // Without If-Match: applied.
  EXPECT_EQ(apply_one(5, update(std::to_string(id), std::nullopt, "7.0")).status, ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM resource_history WHERE resource_type = 'Observation'"), 2);

  // Unknown ids: not found, and no row made.
  for (const std::string& target : {std::to_string(id + 1), std::string("abc"), std::string("01")}) {
    r = apply_one(0, update(target, std::nullopt, "8.0"));
    EXPECT_EQ(r.status, ApplyStatus::kRefused) << target;
    EXPECT_EQ(r.code, kRefusedNotFound) << target;
  }
  // An id of another resource type is not found either.
  auto wrong_type = fhir_change_set(by_id(std::to_string(g)));
  model::DiagnosticReport report;
  report.status = "final";
  auto k = keyed("r", report);
  k.target.id = std::to_string(id);
  wrong_type.reports.push_back(k);
  EXPECT_EQ(apply_one(0, wrong_type).code, kRefusedNotFound);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 0);
}

TEST_F(FhirWrites, UpdateOfASourceRecordEvenWhenItsKeyChanges) {
  admit("M1");
  const auto src = count("SELECT id FROM source_records");
  const auto golden = count("SELECT id FROM golden_patients");
  auto update = [&](std::vector<model::Identifier> ids, std::optional<std::int64_t> if_match,
                    const std::string& target) {
    model::ChangeSet cs;
    cs.message_type = "FHIR";
    cs.sender = "FHIR^client";
    cs.patient = patient("FHIR^client", std::move(ids), "张", "三丰");
    cs.patient->target.id = target;
    cs.patient->target.if_match = if_match;
    return cs;
  };
  // New MRN (the identifier that keys the record): still that record.
  auto r = apply_one(2, update({mrn("M1-NEW")}, 1, "src-" + std::to_string(src)));
  ASSERT_EQ(r.status, ApplyStatus::kApplied) << r.reason;
  EXPECT_EQ(count("SELECT count(*) FROM source_records"), 1);
  EXPECT_EQ(text("SELECT sender || '|' || key_value FROM source_records"), "HIS|M1-NEW");
  EXPECT_EQ(count("SELECT version FROM source_records"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM identifiers WHERE value = 'M1'"), 0);
  EXPECT_GE(count("SELECT count(*) FROM identifiers WHERE value = 'M1-NEW'"), 1);
  EXPECT_EQ(name_parts(src), (std::vector<std::string>{"三丰", "张"}));
  EXPECT_EQ(count("SELECT golden_id FROM links WHERE undone IS NULL"), golden);
  EXPECT_EQ(count("SELECT count(*) FROM links"), 1);  // the link stands
  // The HIS sending the new MRN again finds the same record.
  EXPECT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M1-NEW")}, "张", "三丰"), "ADT3")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM source_records"), 1);

  r = apply_one(4, update({mrn("M1-NEW")}, 1, "src-" + std::to_string(src)));
  EXPECT_EQ(r.code, kRefusedVersionConflict);
  r = apply_one(5, update({mrn("M1-NEW")}, std::nullopt, "src-" + std::to_string(src + 1)));
  EXPECT_EQ(r.code, kRefusedNotFound);
  r = apply_one(6, update({mrn("M1-NEW")}, std::nullopt, std::to_string(golden)));  // a golden id: not a record
  EXPECT_EQ(r.code, kRefusedNotFound);
  // An MRN that names another record of the same sender: refused, not merged silently.
  admit("M2", 7);
  r = apply_one(8, update({mrn("M2")}, std::nullopt, "src-" + std::to_string(src)));
  EXPECT_EQ(r.status, ApplyStatus::kRefused);
  EXPECT_EQ(r.code, kRefusedInvalid);
  EXPECT_EQ(text("SELECT key_value FROM source_records WHERE id = " + std::to_string(src)), "M1-NEW");
}

}  // namespace
}  // namespace medgw::crmstore

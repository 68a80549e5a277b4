// A change set as a FHIR transaction Bundle (mappings/fhir/change_set_bundle.hpp): conditional
// updates keyed so a redelivery creates nothing new, references between the change set's resources
// and to the patient resolved to the entries' fullUrls, a valid R4 Bundle, deterministic output.
#include "mappings/fhir/change_set_bundle.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

#include "mappings/fhir/validate.hpp"

namespace medgw::fhir {
namespace {

model::ChangeSet lab_report() {
  model::ChangeSet c;
  c.message_type = "ORU^R01";
  c.sender = "LIS^CNHOSP";
  model::PatientRecord p;
  p.sender = c.sender;
  model::Identifier mrn;
  mrn.system = "http://cn-hospital.example.cn/fhir/sid/mrn";
  mrn.value = "100234";
  p.patient.identifier.push_back(mrn);
  p.patient.gender = "male";
  p.patient.birth_date = "1990-03-07";
  c.patient = p;
  model::Keyed<model::DiagnosticReport> report;
  report.key = "F123";
  report.resource.status = "final";
  report.resource.code.coding.push_back({"http://loinc.org", "", "24331-1", "Lipid panel"});
  for (const char* code : {"14647-2", "2571-8"}) {
    const std::string key = std::string("F123|") + code + "|";
    report.resource.result.push_back({"Observation/" + key, "", ""});
    model::Keyed<model::Observation> o;
    o.key = key;
    o.resource.status = "final";
    o.resource.code.coding.push_back({"http://loinc.org", "", code, ""});
    model::Quantity q;
    q.value = model::Decimal{"5.20"};
    q.unit = "mmol/L";
    q.system = "http://unitsofmeasure.org";
    q.code = "mmol/L";
    o.resource.value = q;
    c.observations.push_back(o);
  }
  c.reports.push_back(report);
  return c;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  EXPECT_FALSE(d.HasParseError());
  return d;
}

std::string text(const rapidjson::Value& v, const char* name) {
  auto m = v.FindMember(name);
  return m == v.MemberEnd() || !m->value.IsString() ? std::string() : std::string(m->value.GetString());
}

TEST(ChangeSetBundle, IsAValidTransactionOfConditionalUpdates) {
  auto b = change_set_bundle(lab_report());
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(b->entries, 4u);  // patient, report, two observations
  EXPECT_TRUE(b->skipped.empty());
  const auto issues = validate_json(b->json);
  for (const auto& i : issues) ADD_FAILURE() << i.expression << ": " << i.diagnostics;
  auto d = parse(b->json);
  EXPECT_EQ(text(d, "type"), "transaction");
  const auto& entries = d["entry"];
  ASSERT_EQ(entries.Size(), 4u);
  EXPECT_EQ(text(entries[0]["resource"], "resourceType"), "Patient");
  EXPECT_EQ(text(entries[0]["request"], "method"), "PUT");
  // The patient by its MRN, the others by the business identifier medgw adds.
  EXPECT_EQ(text(entries[0]["request"], "url"), "Patient?identifier=http://cn-hospital.example.cn/fhir/sid/mrn|100234");
  for (rapidjson::SizeType i = 1; i < entries.Size(); ++i) {
    const auto& r = entries[i]["resource"];
    const std::string type = text(r, "resourceType");
    const std::string url = text(entries[i]["request"], "url");
    EXPECT_EQ(url.rfind(type + "?identifier=urn:medgw:business-key|" + type + "-", 0), 0u) << url;
    bool has_key = false;
    for (const auto& id : r["identifier"].GetArray()) {
      if (text(id, "system") == "urn:medgw:business-key") {
        has_key = true;
        EXPECT_EQ(url.substr(url.find('|') + 1), text(id, "value"));
      }
    }
    EXPECT_TRUE(has_key) << type;
  }
}

TEST(ChangeSetBundle, ReferencesPointAtTheEntriesOfTheBundle) {
  auto b = change_set_bundle(lab_report());
  ASSERT_TRUE(b) << b.error();
  auto d = parse(b->json);
  std::set<std::string> full_urls;
  for (const auto& e : d["entry"].GetArray()) {
    const std::string u = text(e, "fullUrl");
    EXPECT_EQ(u.rfind("urn:uuid:", 0), 0u);
    EXPECT_EQ(u.size(), 9u + 36u) << u;
    full_urls.insert(u);
  }
  ASSERT_EQ(full_urls.size(), 4u);
  const std::string patient = text(d["entry"][0], "fullUrl");
  const auto& report = d["entry"][1]["resource"];
  ASSERT_EQ(text(report, "resourceType"), "DiagnosticReport");
  EXPECT_EQ(text(report["subject"], "reference"), patient);
  ASSERT_EQ(report["result"].Size(), 2u);
  EXPECT_EQ(text(report["result"][0], "reference"), text(d["entry"][2], "fullUrl"));
  EXPECT_EQ(text(report["result"][1], "reference"), text(d["entry"][3], "fullUrl"));
  EXPECT_EQ(text(d["entry"][2]["resource"]["subject"], "reference"), patient);
  // The decimal keeps its precision on the way out.
  EXPECT_NE(b->json.find("\"value\":5.20"), std::string::npos);
}

TEST(ChangeSetBundle, TheSameChangeSetGivesTheSameBundleAndAnotherKeyAnotherIdentifier) {
  auto a = change_set_bundle(lab_report());
  auto again = change_set_bundle(lab_report());
  ASSERT_TRUE(a && again);
  EXPECT_EQ(a->json, again->json);  // a redelivery updates what the first delivery created
  auto other = lab_report();
  other.reports[0].key = "F124";
  auto b = change_set_bundle(other);
  ASSERT_TRUE(b);
  auto da = parse(a->json), db = parse(b->json);
  EXPECT_NE(text(da["entry"][1]["request"], "url"), text(db["entry"][1]["request"], "url"));
  EXPECT_EQ(text(da["entry"][2]["request"], "url"), text(db["entry"][2]["request"], "url"))
      << "the observations kept their keys";
  auto from_his = lab_report();
  from_his.sender = "HIS^CNHOSP";  // keys are per sender
  auto c = change_set_bundle(from_his);
  auto dc = parse(c->json);
  EXPECT_NE(text(da["entry"][1]["request"], "url"), text(dc["entry"][1]["request"], "url"));
}

TEST(ChangeSetBundle, SearchValuesAreEscapedForFhirAndTheUrl) {
  auto c = lab_report();
  c.patient->patient.identifier[0].value = "A|B,C$D\\E F&G";
  auto b = change_set_bundle(c);
  ASSERT_TRUE(b);
  auto d = parse(b->json);
  EXPECT_EQ(text(d["entry"][0]["request"], "url"),
            "Patient?identifier=http://cn-hospital.example.cn/fhir/sid/mrn|A%5C%7CB%5C%2CC%5C%24D%5C%5CE%20F%26G");
}

TEST(ChangeSetBundle, APatientWithoutAnIdentifierSystemGetsABusinessKey) {
  auto c = lab_report();
  c.patient->patient.identifier[0].system.clear();
  auto b = change_set_bundle(c);
  ASSERT_TRUE(b);
  auto d = parse(b->json);
  EXPECT_EQ(text(d["entry"][0]["request"], "url").rfind("Patient?identifier=urn:medgw:business-key|Patient-", 0), 0u);
}

TEST(ChangeSetBundle, MergesAreReportedAsSkippedAndEmptyChangeSetsRefused) {
  auto c = lab_report();
  c.merges.push_back(model::MergeRequest{});
  auto b = change_set_bundle(c);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->skipped.size(), 1u);
  EXPECT_NE(b->skipped[0].find("merge"), std::string::npos);
  model::ChangeSet empty;
  EXPECT_FALSE(change_set_bundle(empty));
}

TEST(ChangeSetBundle, ASubjectByIdentifierBecomesAConditionalReference) {
  auto c = lab_report();
  c.patient.reset();
  model::SubjectReference s;
  model::Identifier id;
  id.system = "http://cn-hospital.example.cn/fhir/sid/mrn";
  id.value = "100234";
  s.identifier = id;
  c.subject = s;
  auto b = change_set_bundle(c);
  ASSERT_TRUE(b);
  auto d = parse(b->json);
  EXPECT_EQ(d["entry"].Size(), 3u);
  // A conditional reference, which the receiving server resolves within the transaction.
  EXPECT_EQ(text(d["entry"][0]["resource"]["subject"], "reference"),
            "Patient?identifier=http://cn-hospital.example.cn/fhir/sid/mrn|100234");
}

}  // namespace
}  // namespace medgw::fhir

// The reader is the inverse of the model's FHIR writer: model -> to_json -> read -> to_json is
// the identity for rich instances of every resource, and decimals keep their text.
#include "mappings/fhir/reader.hpp"

#include <gtest/gtest.h>

#include "mappings/fhir/validate.hpp"
#include "mappings/model/fhir_json.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

using namespace medgw::model;

Coding loinc(const std::string& code) {
  return {"http://loinc.org", "2.77", code, "display " + code};
}
CodeableConcept codeable(const std::string& code) {
  return {{loinc(code), {"urn:oid:1.2.3", "", "L" + code, ""}}, "text"};
}
Quantity qty(const std::string& v) {
  return {{v}, "", "mmol/L", "http://unitsofmeasure.org", "mmol/L"};
}
Reference ref(const std::string& r) {
  return {r, "", "shown"};
}
Identifier ident(const std::string& v) {
  return {"official", codeable("MR"), "urn:oid:2.16.1", v, {"2020-01-01", "2030-12-31"}, "HOSP"};
}

// to_json(read(to_json(r))) == to_json(r), and the JSON validates.
template <class R, class Read>
void round_trip(const R& r, Read read) {
  const std::string json = to_json(r);
  auto doc = JsonDocument::parse(json);
  ASSERT_TRUE(doc.has_value());
  const std::vector<Issue> issues = validate(*doc);
  EXPECT_TRUE(test::errors_of(issues).empty()) << test::describe(issues) << json;
  EXPECT_EQ(to_json(read(*doc, doc->root())), json);
}

TEST(Reader, PatientRoundTrip) {
  Patient p;
  p.id = "src-4";
  p.identifier = {ident("MRN1"), {"", {}, "urn:oid:2.16.156.10011.1.1", "110101199003071234", {}, ""}};
  p.active = true;
  p.name = {{"official", "Zhang San", "Zhang", {"San", "Er"}, {"Dr"}, {"Jr"}, {"2001", ""}},
            {"nickname", "", "", {"Z"}, {}, {}, {}}};
  p.telecom = {{"phone", "+86 10 1234", "mobile"}, {"email", "z@example.org", ""}};
  p.gender = "male";
  p.birth_date = "1990-03-07";
  p.deceased_date_time = "2024-01-02T03:04:05+08:00";
  p.address = {{"home", "physical", "t", {"l1", "l2"}, "Beijing", "Dongcheng", "BJ", "100000", "CN", {"2020", ""}}};
  p.marital_status = codeable("M");
  p.link = {{ref("Patient/9"), "seealso"}};
  round_trip(p, read_patient);
  p.deceased_date_time.clear();
  p.deceased_boolean = false;
  p.active = std::nullopt;
  round_trip(p, read_patient);
}

TEST(Reader, EncounterRoundTrip) {
  Encounter e;
  e.id = "7";
  e.identifier = {ident("V1")};
  e.status = "in-progress";
  e.class_ = {"http://terminology.hl7.org/CodeSystem/v3-ActCode", "", "IMP", "inpatient encounter"};
  e.type = {codeable("T1"), codeable("T2")};
  e.subject = ref("Patient/1");
  e.period = {"2024-03-01T08:00:00Z", "2024-03-05"};
  e.location = {ref("Location/1"), {"", "", "Ward 3"}};
  e.service_provider = ref("Organization/1");
  e.admit_source = codeable("A");
  e.discharge_disposition = codeable("D");
  round_trip(e, read_encounter);
}

TEST(Reader, ServiceRequestRoundTrip) {
  ServiceRequest r;
  r.identifier = {ident("P1"), ident("F1")};
  r.status = "active";
  r.intent = "original-order";
  r.category = {codeable("C")};
  r.code = codeable("24331-1");
  r.subject = ref("Patient/1");
  r.encounter = ref("Encounter/7");
  r.authored_on = "2024-03-01T08:00:00+08:00";
  r.requester = ref("Practitioner/1");
  r.note = {{"Dr X", "2024-03-01", "fasting"}, {"", "", "second"}};
  round_trip(r, read_service_request);
}

TEST(Reader, DiagnosticReportRoundTrip) {
  DiagnosticReport r;
  r.identifier = {ident("F1")};
  r.based_on = {ref("ServiceRequest/F1")};
  r.status = "final";
  r.category = {codeable("LAB")};
  r.code = codeable("24331-1");
  r.subject = ref("Patient/1");
  r.encounter = ref("Encounter/7");
  r.effective_date_time = "2024-03-01T08:00:00+08:00";
  r.issued = "2024-03-01T09:00:00.000+08:00";
  r.performer = {ref("Organization/lab")};
  r.result = {ref("Observation/a"), ref("Observation/b")};
  r.imaging_study = {ref("ImagingStudy/1")};
  r.conclusion = "normal";
  r.presented_form = {{"application/pdf", "en", "aGVsbG8=", "http://x/r.pdf", "report", "2024-03-01", 5}};
  round_trip(r, read_diagnostic_report);
}

TEST(Reader, ObservationRoundTripEveryValueKind) {
  Observation o;
  o.identifier = {ident("O1")};
  o.based_on = {ref("ServiceRequest/F1")};
  o.status = "final";
  o.category = {codeable("laboratory")};
  o.code = codeable("2345-7");
  o.subject = ref("Patient/1");
  o.encounter = ref("Encounter/7");
  o.effective_date_time = "2024-03-01T08:00:00+08:00";
  o.issued = "2024-03-01T09:00:00Z";
  o.performer = {ref("Organization/lab")};
  o.data_absent_reason = {};
  o.interpretation = {codeable("H")};
  o.note = {{"", "", "haemolysed"}};
  o.method = codeable("M");
  o.reference_range = {{qty("3.90"), qty("6.1"), "3.9-6.1"}, {std::nullopt, std::nullopt, "text only"}};
  const std::vector<ObservationValue> values = {
      qty("4.50"),
      Quantity{{"-0.5e3"}, "<", "", "", ""},
      codeable("POS"),
      std::string("positive"),
      Range{qty("1.0"), std::nullopt},
      Ratio{qty("1"), qty("128")},
      DateTimeValue{"2024-02"},
  };
  for (const ObservationValue& v : values) {
    o.value = v;
    round_trip(o, read_observation);
  }
  o.value = std::monostate{};
  o.data_absent_reason = codeable("not-performed");
  round_trip(o, read_observation);
}

TEST(Reader, DecimalKeepsItsText) {
  auto doc = JsonDocument::parse(R"({"resourceType": "Observation", "valueQuantity": {"value": 4.50},
      "referenceRange": [{"low": {"value": 1e2}, "high": {"value": -0.000}}]})");
  ASSERT_TRUE(doc.has_value());
  const Observation o = read_observation(*doc, doc->root());
  ASSERT_TRUE(std::holds_alternative<Quantity>(o.value));
  EXPECT_EQ(std::get<Quantity>(o.value).value.text, "4.50");
  ASSERT_EQ(o.reference_range.size(), 1u);
  EXPECT_EQ(o.reference_range[0].low->value.text, "1e2");
  EXPECT_EQ(o.reference_range[0].high->value.text, "-0.000");
}

TEST(Reader, DocumentReferenceRoundTrip) {
  DocumentReference d;
  d.master_identifier = ident("DOC1");
  d.identifier = {ident("X")};
  d.status = "current";
  d.doc_status = "final";
  d.type = codeable("11488-4");
  d.category = {codeable("clinical-note")};
  d.subject = ref("Patient/1");
  d.date = "2024-03-01T09:00:00Z";
  d.author = {ref("Practitioner/1")};
  d.description = "discharge summary";
  d.content = {
      {{"text/plain", "", "aGVsbG8=", "", "t", "", 5}, {"urn:ihe:iti:xds:2017:mimeTypeSufficient", "", "urn:x", ""}}};
  d.context_encounter = ref("Encounter/7");
  d.context_period = {"2024-03-01", "2024-03-02"};
  round_trip(d, read_document_reference);
}

TEST(Reader, ImagingStudyRoundTrip) {
  ImagingStudy s;
  s.identifier = {{"official", {}, "urn:dicom:uid", "urn:oid:1.2.840.1", {}, ""}};
  s.status = "available";
  s.modality = {{"http://dicom.nema.org/resources/ontology/DCM", "", "CT", ""}};
  s.subject = ref("Patient/1");
  s.encounter = ref("Encounter/7");
  s.started = "2024-03-01T08:00:00Z";
  s.based_on = {ref("ServiceRequest/A1")};
  s.number_of_series = 0;
  s.number_of_instances = 2147483647u;  // the largest FHIR unsignedInt
  s.procedure_code = {codeable("P")};
  s.description = "CT head";
  round_trip(s, read_imaging_study);
}

TEST(Reader, ReadResourceDispatchesOnResourceType) {
  auto doc = JsonDocument::parse(R"({"resourceType": "ImagingStudy", "status": "available"})");
  ASSERT_TRUE(doc.has_value());
  const auto r = read_resource(*doc, doc->root());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(std::holds_alternative<ImagingStudy>(*r));
  auto bundle = JsonDocument::parse(R"({"resourceType": "Bundle"})");
  EXPECT_FALSE(read_resource(*bundle, bundle->root()).has_value());
}

TEST(Reader, MistypedValuesReadAsAbsent) {
  auto doc = JsonDocument::parse(R"({"resourceType": "Patient", "gender": 1, "active": "true", "birthDate": null,
      "name": [{"given": ["A", 2, null]}]})");
  ASSERT_TRUE(doc.has_value());
  const Patient p = read_patient(*doc, doc->root());
  EXPECT_EQ(p.gender, "");
  EXPECT_FALSE(p.active.has_value());
  ASSERT_EQ(p.name.size(), 1u);
  EXPECT_EQ(p.name[0].given, std::vector<std::string>{"A"});
}

}  // namespace
}  // namespace medgw::fhir

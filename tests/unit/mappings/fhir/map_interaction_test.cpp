// FHIR writes -> change sets: keys, targets, the patient, references between transaction entries,
// fhir_json, and each refusal with its kind.
#include "mappings/fhir/map_interaction.hpp"

#include <gtest/gtest.h>

#include "mappings/fhir/entries.hpp"
#include "mappings/model/change_set_json.hpp"
#include "mappings/model/fhir_json.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

constexpr const char* kKey = "5f0c1a3e-2b7d-4c1e-9a8f-0d6e4b3c2a10";

Interaction request(InteractionKind kind, std::string type, std::string body, std::string id = {}) {
  Interaction in;
  in.kind = kind;
  in.client = "lis";
  in.type = std::move(type);
  in.id = std::move(id);
  in.key = kKey;
  in.body = std::move(body);
  return in;
}

const char* kObservation = R"({"resourceType": "Observation", "id": "x", "meta": {"versionId": "9"},
  "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
  "subject": {"reference": "Patient/17"}, "valueQuantity": {"value": 4.50, "unit": "mmol/L"},
  "extension": [{"url": "http://example.org/kept", "valueInteger": 7}]})";

model::ChangeSet mapped(const Interaction& in) {
  auto cs = map_interaction(in);
  if (!cs) {
    ADD_FAILURE() << test::describe(cs.error().issues);
    return {};
  }
  return std::move(cs).value();
}

// The refusal of `in`, expecting its kind and an issue at `expression`.
void expect_refused(const Interaction& in, MapErrorKind kind, const std::string& expression,
                    const std::string& diagnostics_part = {}) {
  auto cs = map_interaction(in);
  ASSERT_FALSE(cs.has_value());
  EXPECT_EQ(cs.error().kind, kind) << test::describe(cs.error().issues);
  bool found = false;
  for (const Issue& i : cs.error().issues) {
    found = found || (i.expression == expression && i.diagnostics.find(diagnostics_part) != std::string::npos);
  }
  EXPECT_TRUE(found) << "no issue at " << expression << " in\n" << test::describe(cs.error().issues);
}

TEST(MapInteraction, CreateObservation) {
  const model::ChangeSet cs = mapped(request(InteractionKind::kCreate, "Observation", kObservation));
  EXPECT_EQ(cs.sender, "FHIR^lis");
  EXPECT_EQ(cs.message_type, "FHIR create Observation");
  EXPECT_EQ(cs.message_control_id, kKey);
  EXPECT_FALSE(cs.patient.has_value());
  ASSERT_TRUE(cs.subject.has_value());
  EXPECT_EQ(cs.subject->patient_id, "17");
  EXPECT_FALSE(cs.subject->identifier.has_value());
  ASSERT_EQ(cs.observations.size(), 1u);
  const auto& o = cs.observations[0];
  EXPECT_EQ(o.key, kKey);
  EXPECT_TRUE(o.target.id.empty());
  EXPECT_TRUE(o.resource.subject.empty());  // the store fills it
  EXPECT_EQ(o.resource.status, "final");
  EXPECT_EQ(std::get<model::Quantity>(o.resource.value).value.text, "4.50");
  // As received, minus id and meta; the extension the model has no field for is kept.
  EXPECT_EQ(
      o.fhir_json,
      R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},)"
      R"("subject":{"reference":"Patient/17"},"valueQuantity":{"value":4.50,"unit":"mmol/L"},)"
      R"("extension":[{"url":"http://example.org/kept","valueInteger":7}]})");
}

TEST(MapInteraction, UpdateObservation) {
  Interaction in =
      request(InteractionKind::kUpdate, "Observation",
              std::string(kObservation).replace(std::string(kObservation).find("\"x\""), 3, "\"17\""), "17");
  in.if_match = 3;
  const model::ChangeSet cs = mapped(in);
  EXPECT_EQ(cs.message_type, "FHIR update Observation");
  ASSERT_EQ(cs.observations.size(), 1u);
  EXPECT_EQ(cs.observations[0].key, "id:17");
  EXPECT_EQ(cs.observations[0].target.id, "17");
  EXPECT_EQ(cs.observations[0].target.if_match, 3);
  EXPECT_EQ(cs.observations[0].fhir_json.find("\"id\""), std::string::npos);
}

TEST(MapInteraction, UpdateNeedsTheUrlIdInTheBody) {
  expect_refused(request(InteractionKind::kUpdate, "Observation", kObservation, "17"), MapErrorKind::kInvalid,
                 "Observation.id");
}

TEST(MapInteraction, BodyTypeMustMatchTheUrl) {
  expect_refused(request(InteractionKind::kCreate, "Encounter",
                         R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}})"),
                 MapErrorKind::kInvalid, "Observation");
}

TEST(MapInteraction, PatientWithoutIdentifierGetsOne) {
  const model::ChangeSet cs =
      mapped(request(InteractionKind::kCreate, "Patient", R"({"resourceType": "Patient", "gender": "female"})"));
  ASSERT_TRUE(cs.patient.has_value());
  EXPECT_EQ(cs.patient->sender, "FHIR^lis");
  ASSERT_EQ(cs.patient->patient.identifier.size(), 1u);
  EXPECT_EQ(cs.patient->patient.identifier[0].system, "urn:ietf:rfc:3986");
  EXPECT_EQ(cs.patient->patient.identifier[0].value, std::string("urn:uuid:") + kKey);
  EXPECT_EQ(cs.patient->fhir_json,
            std::string(R"({"resourceType":"Patient","identifier":[{"system":"urn:ietf:rfc:3986",)") +
                R"("value":"urn:uuid:)" + kKey + R"("}],"gender":"female"})");
  EXPECT_FALSE(cs.subject.has_value());
}

TEST(MapInteraction, PatientWithIdentifiersWithoutValuesGetsOneAppended) {
  const model::ChangeSet cs = mapped(request(InteractionKind::kCreate, "Patient",
                                             R"({"resourceType": "Patient", "identifier": [{"system": "urn:a"}]})"));
  ASSERT_TRUE(cs.patient.has_value());
  ASSERT_EQ(cs.patient->patient.identifier.size(), 2u);
  EXPECT_EQ(cs.patient->fhir_json, std::string(R"({"resourceType":"Patient","identifier":[{"system":"urn:a"},)") +
                                       R"({"system":"urn:ietf:rfc:3986","value":"urn:uuid:)" + kKey + R"("}]})");
}

TEST(MapInteraction, PatientWithIdentifierKeepsIt) {
  Interaction in = request(
      InteractionKind::kUpdate, "Patient",
      R"({"resourceType": "Patient", "id": "src-4", "identifier": [{"system": "urn:oid:1.2", "value": "MRN7"}]})",
      "src-4");
  in.if_match = 2;
  const model::ChangeSet cs = mapped(in);
  ASSERT_TRUE(cs.patient.has_value());
  ASSERT_EQ(cs.patient->patient.identifier.size(), 1u);
  EXPECT_EQ(cs.patient->target.id, "src-4");
  EXPECT_EQ(cs.patient->target.if_match, 2);
  EXPECT_EQ(cs.patient->fhir_json,
            R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2","value":"MRN7"}]})");
}

TEST(MapInteraction, SubjectByIdentifier) {
  const model::ChangeSet cs =
      mapped(request(InteractionKind::kCreate, "DiagnosticReport",
                     R"({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "CBC"},
          "subject": {"type": "Patient", "identifier": {"system": "urn:oid:1.2", "value": "MRN7"}}})"));
  ASSERT_TRUE(cs.subject.has_value());
  EXPECT_TRUE(cs.subject->patient_id.empty());
  ASSERT_TRUE(cs.subject->identifier.has_value());
  EXPECT_EQ(cs.subject->identifier->system, "urn:oid:1.2");
  EXPECT_EQ(cs.subject->identifier->value, "MRN7");
  ASSERT_EQ(cs.reports.size(), 1u);
}

TEST(MapInteraction, SubjectIsRequired) {
  expect_refused(request(InteractionKind::kCreate, "Encounter",
                         R"({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}})"),
                 MapErrorKind::kInvalid, "Encounter.subject", "Encounter.subject is required");
}

TEST(MapInteraction, SubjectMustBeAPatient) {
  expect_refused(request(InteractionKind::kCreate, "Observation",
                         R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                             "subject": {"reference": "Group/1"}})"),
                 MapErrorKind::kInvalid, "Observation.subject.reference");
}

TEST(MapInteraction, ValidationErrorsRefuse) {
  expect_refused(
      request(InteractionKind::kCreate, "Observation",
              R"({"resourceType": "Observation", "code": {"text": "x"}, "subject": {"reference": "Patient/1"}})"),
      MapErrorKind::kInvalid, "Observation.status");
  expect_refused(request(InteractionKind::kCreate, "Observation", "{not json"), MapErrorKind::kInvalid, "");
}

TEST(MapInteraction, UnsupportedTypesAndContent) {
  expect_refused(request(InteractionKind::kCreate, "Organization", R"({"resourceType": "Organization"})"),
                 MapErrorKind::kUnsupported, "");
  expect_refused(request(InteractionKind::kCreate, "Bundle", R"({"resourceType": "Bundle", "type": "collection"})"),
                 MapErrorKind::kUnsupported, "Bundle");
  Interaction turtle = request(InteractionKind::kCreate, "Patient", "[] a fhir:Patient .");
  turtle.body_content_type = "text/turtle";
  expect_refused(turtle, MapErrorKind::kUnsupported, "");
}

// An XML body maps as its JSON form does; the envelope keeps the XML (the pipeline maps it again).
TEST(MapInteraction, XmlBodiesMapLikeTheirJson) {
  Interaction xml =
      request(InteractionKind::kCreate, "Observation",
              R"(<Observation xmlns="http://hl7.org/fhir"><status value="final"/>)"
              R"(<code><text value="x"/></code><subject><reference value="Patient/17"/></subject>)"
              R"(<valueQuantity><value value="4.50"/><unit value="mmol/L"/></valueQuantity></Observation>)");
  xml.body_content_type = "application/fhir+xml";
  const model::ChangeSet cs = mapped(xml);
  ASSERT_EQ(cs.observations.size(), 1u);
  EXPECT_NE(cs.observations[0].fhir_json.find(R"("value":4.50)"), std::string::npos) << cs.observations[0].fhir_json;
  ASSERT_TRUE(cs.subject.has_value());
  EXPECT_EQ(cs.subject->patient_id, "17");

  // Not FHIR XML: invalid, with the issue of the conversion; a type without a table: unsupported.
  Interaction bare = request(InteractionKind::kCreate, "Patient", "<Patient/>");
  bare.body_content_type = "application/fhir+xml";
  expect_refused(bare, MapErrorKind::kInvalid, "Patient", "FHIR namespace");
  Interaction contained = request(InteractionKind::kCreate, "Patient",
                                  R"(<Patient xmlns="http://hl7.org/fhir"><contained><Organization>)"
                                  R"(<name value="x"/></Organization></contained></Patient>)");
  contained.body_content_type = "text/xml";
  expect_refused(contained, MapErrorKind::kUnsupported, "Patient.contained[0]");
  Interaction xxe = request(InteractionKind::kCreate, "Patient",
                            R"(<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
                            R"(<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>)");
  xxe.body_content_type = "application/fhir+xml";
  expect_refused(xxe, MapErrorKind::kInvalid, "", "DOCTYPE");
}

// A transaction: a new patient, their encounter, an observation in it and the report over it.
const char* kTransaction = R"({"resourceType": "Bundle", "type": "transaction", "entry": [
  {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001",
   "resource": {"resourceType": "Patient", "identifier": [{"system": "urn:oid:1.2", "value": "MRN7"}]},
   "request": {"method": "POST", "url": "Patient"}},
  {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002",
   "resource": {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
                "subject": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"}},
   "request": {"method": "POST", "url": "Encounter"}},
  {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000003",
   "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "glucose"},
                "subject": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"},
                "encounter": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002"}},
   "request": {"method": "POST", "url": "Observation"}},
  {"resource": {"resourceType": "DiagnosticReport", "id": "55", "status": "final", "code": {"text": "panel"},
                "subject": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"},
                "result": [{"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000003"}, {"reference": "Observation/9"}]},
   "request": {"method": "PUT", "url": "DiagnosticReport/55", "ifMatch": "W/\"4\""}}
]})";

TEST(MapInteraction, TransactionResolvesUrnUuids) {
  const model::ChangeSet cs = mapped(request(InteractionKind::kTransaction, "Bundle", kTransaction));
  const std::string k = kKey;
  EXPECT_EQ(cs.message_type, "FHIR transaction Bundle");
  ASSERT_TRUE(cs.patient.has_value());
  EXPECT_FALSE(cs.subject.has_value());
  EXPECT_EQ(cs.patient->patient.identifier.size(), 1u);
  ASSERT_EQ(cs.encounters.size(), 1u);
  EXPECT_EQ(cs.encounters[0].key, k + "#1");
  ASSERT_EQ(cs.observations.size(), 1u);
  EXPECT_EQ(cs.observations[0].key, k + "#2");
  EXPECT_EQ(cs.observations[0].resource.encounter.reference, "Encounter/" + k + "#1");
  EXPECT_NE(cs.observations[0].fhir_json.find(R"("encounter":{"reference":"Encounter/)" + k + "#1\"}"),
            std::string::npos)
      << cs.observations[0].fhir_json;
  ASSERT_EQ(cs.reports.size(), 1u);
  const auto& report = cs.reports[0];
  EXPECT_EQ(report.key, "id:55");
  EXPECT_EQ(report.target.id, "55");
  EXPECT_EQ(report.target.if_match, 4);
  ASSERT_EQ(report.resource.result.size(), 2u);
  EXPECT_EQ(report.resource.result[0].reference, "Observation/" + k + "#2");
  EXPECT_EQ(report.resource.result[1].reference, "Observation/9");
  EXPECT_EQ(report.fhir_json.find("urn:uuid"), std::string::npos) << report.fhir_json;
}

TEST(MapInteraction, TransactionIsDeterministic) {
  const Interaction in = request(InteractionKind::kTransaction, "Bundle", kTransaction);
  EXPECT_EQ(model::to_json(mapped(in)), model::to_json(mapped(in)));
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// kTransaction without its Patient entry, every subject naming Patient/17 instead.
std::string without_patient_entry() {
  std::string body = kTransaction;
  const std::size_t from = body.find(R"({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001")");
  const std::size_t to = body.find(R"({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002")");
  body.erase(from, to - from);
  return replace_all(body, R"("urn:uuid:aaaaaaaa-0000-4000-8000-000000000001")", R"("Patient/17")");
}

TEST(MapInteraction, TransactionOfSubjectsByReference) {
  const model::ChangeSet cs = mapped(request(InteractionKind::kTransaction, "Bundle", without_patient_entry()));
  ASSERT_TRUE(cs.subject.has_value());
  EXPECT_EQ(cs.subject->patient_id, "17");
  EXPECT_FALSE(cs.patient.has_value());
  EXPECT_EQ(cs.encounters.at(0).key, std::string(kKey) + "#0");
  EXPECT_EQ(cs.observations.at(0).resource.encounter.reference, std::string("Encounter/") + kKey + "#0");
}

TEST(MapInteraction, TransactionOfTwoPatientsIsRefused) {
  std::string body = without_patient_entry();
  body = body.replace(body.rfind(R"("Patient/17")"), 12, R"("Patient/18")");
  expect_refused(request(InteractionKind::kTransaction, "Bundle", body), MapErrorKind::kInvalid,
                 "Bundle.entry[2].resource.subject", "one patient");
}

TEST(MapInteraction, PatientEntryAndAnotherPatientIsRefused) {
  std::string body = kTransaction;
  body = body.replace(body.rfind(R"("urn:uuid:aaaaaaaa-0000-4000-8000-000000000001")"), 47, R"("Patient/18")");
  expect_refused(request(InteractionKind::kTransaction, "Bundle", body), MapErrorKind::kInvalid,
                 "Bundle.entry[3].resource.subject", "one patient");
}

TEST(MapInteraction, TwoPatientEntriesAreRefused) {
  const std::string body = R"({"resourceType": "Bundle", "type": "transaction", "entry": [
    {"resource": {"resourceType": "Patient", "gender": "male"}, "request": {"method": "POST", "url": "Patient"}},
    {"resource": {"resourceType": "Patient", "gender": "female"}, "request": {"method": "POST", "url": "Patient"}}]})";
  expect_refused(request(InteractionKind::kTransaction, "Bundle", body), MapErrorKind::kInvalid,
                 "Bundle.entry[1].resource", "use a batch");
}

TEST(MapInteraction, UpdatedPatientIsTheSubjectNamingIt) {
  const std::string body = R"({"resourceType": "Bundle", "type": "transaction", "entry": [
    {"resource": {"resourceType": "Patient", "id": "src-4", "gender": "male"}, "request": {"method": "PUT", "url": "Patient/src-4"}},
    {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/src-4"}},
     "request": {"method": "POST", "url": "Observation"}}]})";
  const model::ChangeSet cs = mapped(request(InteractionKind::kTransaction, "Bundle", body));
  ASSERT_TRUE(cs.patient.has_value());
  EXPECT_EQ(cs.patient->target.id, "src-4");
  EXPECT_FALSE(cs.subject.has_value());
  EXPECT_EQ(cs.observations.size(), 1u);
}

TEST(MapInteraction, DanglingUrnUuidIsRefused) {
  std::string body = kTransaction;
  body = body.replace(body.find("urn:uuid:aaaaaaaa-0000-4000-8000-000000000002\"}"), 45,
                      "urn:uuid:bbbbbbbb-0000-4000-8000-000000000002");
  expect_refused(request(InteractionKind::kTransaction, "Bundle", body), MapErrorKind::kInvalid,
                 "Bundle.entry[2].resource", "points to no entry");
}

TEST(MapInteraction, UnsupportedTransactionEntries) {
  const auto with_entry = [](const std::string& entry) {
    return request(InteractionKind::kTransaction, "Bundle",
                   R"({"resourceType": "Bundle", "type": "transaction", "entry": [)" + entry + "]}");
  };
  expect_refused(with_entry(R"({"request": {"method": "DELETE", "url": "Observation/1"}})"), MapErrorKind::kUnsupported,
                 "Bundle.entry[0].request.method");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Patient"},
                                "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=a|b"}})"),
                 MapErrorKind::kUnsupported, "Bundle.entry[0].request");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Patient", "gender": "male"},
                                "request": {"method": "PUT", "url": "Patient?identifier=a|b"}})"),
                 MapErrorKind::kUnsupported, "Bundle.entry[0].request");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Organization", "name": "x"},
                                "request": {"method": "POST", "url": "Organization"}})"),
                 MapErrorKind::kUnsupported, "Bundle.entry[0].resource");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Patient", "gender": "male"},
                                "request": {"method": "POST", "url": "Observation"}})"),
                 MapErrorKind::kInvalid, "Bundle.entry[0].request.url");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Patient", "gender": "male"}})"), MapErrorKind::kInvalid,
                 "Bundle.entry[0].request");
  expect_refused(
      with_entry(
          R"({"resource": {"resourceType": "Patient", "id": "1"}, "request": {"method": "PUT", "url": "Patient/2"}})"),
      MapErrorKind::kInvalid, "Bundle.entry[0].resource.id");
  expect_refused(with_entry(R"({"resource": {"resourceType": "Patient", "id": "1"},
                                "request": {"method": "PUT", "url": "Patient/1", "ifMatch": "W/\"x\""}})"),
                 MapErrorKind::kInvalid, "Bundle.entry[0].request.ifMatch");
}

TEST(MapInteraction, BatchIsSplitByTheServer) {
  expect_refused(request(InteractionKind::kTransaction, "Bundle", R"({"resourceType": "Bundle", "type": "batch"})"),
                 MapErrorKind::kUnsupported, "Bundle.type");
  expect_refused(
      request(InteractionKind::kTransaction, "Bundle", R"({"resourceType": "Bundle", "type": "collection"})"),
      MapErrorKind::kInvalid, "Bundle.type");
}

TEST(MapInteraction, TooManyEntries) {
  std::string body = R"({"resourceType": "Bundle", "type": "transaction", "entry": [)";
  for (std::size_t i = 0; i <= kMaxTransactionEntries; ++i) {
    body += std::string(i ? "," : "") + R"({"request": {"method": "DELETE", "url": "Observation/1"}})";
  }
  body += "]}";
  expect_refused(request(InteractionKind::kTransaction, "Bundle", body), MapErrorKind::kInvalid, "Bundle.entry");
}

TEST(MapInteraction, FromTheEnvelopeRecord) {
  const Interaction in = request(InteractionKind::kCreate, "Observation", kObservation);
  auto cs = map_interaction_json(interaction_json(in));
  ASSERT_TRUE(cs.has_value());
  EXPECT_EQ(model::to_json(*cs), model::to_json(mapped(in)));
  auto bad = map_interaction_json("{}");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, MapErrorKind::kInvalid);
}

}  // namespace
}  // namespace medgw::fhir

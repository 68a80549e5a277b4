// The structural validator: what it accepts, and each kind of error with the element it names.
#include "mappings/fhir/validate.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

using test::describe;
using test::errors_of;

constexpr const char* kObservation = R"({
  "resourceType": "Observation",
  "id": "glucose-1",
  "meta": {"versionId": "2", "lastUpdated": "2024-03-01T08:30:00.123Z", "profile": ["http://example.org/p"]},
  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Glucose</div>"},
  "extension": [{"url": "http://example.org/ext", "valueString": "x"}],
  "identifier": [{"system": "urn:oid:1.2.3", "value": "A1"}],
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}], "text": "Glucose"},
  "subject": {"reference": "Patient/17"},
  "effectiveDateTime": "2024-03-01T08:30:00+08:00",
  "_effectiveDateTime": {"extension": [{"url": "http://example.org/precision", "valueCode": "exact"}]},
  "issued": "2024-03-01T09:00:00Z",
  "valueQuantity": {"value": 4.50, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
  "interpretation": [{"coding": [{"code": "N"}]}],
  "note": [{"authorString": "lab", "text": "fasting"}],
  "referenceRange": [{"low": {"value": 3.9, "unit": "mmol/L"}, "high": {"value": 6.1}, "text": "3.9-6.1"}],
  "component": [{"code": {"text": "c"}, "valueInteger": 3, "referenceRange": [{"text": "normal"}]}]
})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The errors of `json`, expecting exactly one naming `expression` with `code`.
void expect_one_error(const std::string& json, const std::string& expression, const std::string& code) {
  const std::vector<Issue> errors = errors_of(validate_json(json));
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].expression, expression) << describe(errors);
  EXPECT_EQ(errors[0].code, code) << describe(errors);
}

TEST(Validate, AcceptsARichObservation) {
  const std::vector<Issue> issues = validate_json(kObservation);
  EXPECT_TRUE(issues.empty()) << describe(issues);
}

TEST(Validate, UnknownElementIsAnError) {
  expect_one_error(replace(kObservation, R"("issued")", R"("issuedd")"), "Observation.issuedd", "structure");
}

TEST(Validate, UnknownElementInADatatype) {
  expect_one_error(replace(kObservation, R"("unit": "mmol/L", "system")", R"("units": "mmol/L", "system")"),
                   "Observation.valueQuantity.units", "structure");
}

TEST(Validate, WrongPrimitiveJsonType) {
  expect_one_error(replace(kObservation, R"("value": 4.50)", R"("value": "4.50")"), "Observation.valueQuantity.value",
                   "structure");
  expect_one_error(replace(kObservation, R"("status": "final")", R"("status": true)"), "Observation.status",
                   "structure");
  expect_one_error(replace(kObservation, R"("valueInteger": 3)", R"("valueInteger": 3.5)"),
                   "Observation.component[0].valueInteger", "value");
}

TEST(Validate, MissingRequiredStatus) {
  expect_one_error(replace(kObservation, R"("status": "final",)", ""), "Observation.status", "required");
}

TEST(Validate, MissingRequiredInABackboneElement) {
  expect_one_error(replace(kObservation, R"({"code": {"text": "c"}, "valueInteger")", R"({"valueInteger")"),
                   "Observation.component[0].code", "required");
}

TEST(Validate, ArrayWhereSingleAndSingleWhereArray) {
  expect_one_error(
      replace(kObservation, R"("subject": {"reference": "Patient/17"})", R"("subject": [{"reference": "Patient/17"}])"),
      "Observation.subject", "structure");
  expect_one_error(replace(kObservation, R"("interpretation": [{"coding": [{"code": "N"}]}])",
                           R"("interpretation": {"coding": [{"code": "N"}]})"),
                   "Observation.interpretation", "structure");
}

TEST(Validate, BadDatesAndTimes) {
  expect_one_error(replace(kObservation, R"("2024-03-01T08:30:00+08:00")", R"("2024-13-01")"),
                   "Observation.effectiveDateTime", "value");
  // A time without a zone is not a FHIR dateTime.
  expect_one_error(replace(kObservation, R"("2024-03-01T08:30:00+08:00")", R"("2024-03-01T08:30:00")"),
                   "Observation.effectiveDateTime", "value");
  // An instant needs the full precision.
  expect_one_error(replace(kObservation, R"("issued": "2024-03-01T09:00:00Z")", R"("issued": "2024-03-01")"),
                   "Observation.issued", "value");
  EXPECT_TRUE(
      errors_of(validate_json(replace(kObservation, R"("2024-03-01T08:30:00+08:00")", R"("2024-03")"))).empty());
}

TEST(Validate, DiagnosticsNeverCarryTheValue) {
  const std::vector<Issue> issues =
      validate_json(replace(kObservation, R"("2024-03-01T08:30:00+08:00")", R"("1970-99-99 SECRET")"));
  ASSERT_EQ(errors_of(issues).size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].diagnostics.find("SECRET"), std::string::npos);
  EXPECT_EQ(issues[0].diagnostics, "Observation.effectiveDateTime is not a valid dateTime");
}

TEST(Validate, ExtensionWithoutUrl) {
  expect_one_error(
      replace(kObservation, R"({"url": "http://example.org/ext", "valueString": "x"})", R"({"valueString": "x"})"),
      "Observation.extension[0].url", "required");
}

TEST(Validate, ExtensionWithValueAndExtensions) {
  expect_one_error(
      replace(
          kObservation, R"({"url": "http://example.org/ext", "valueString": "x"})",
          R"({"url": "http://example.org/ext", "valueString": "x", "extension": [{"url": "a", "valueBoolean": true}]})"),
      "Observation.extension[0]", "invalid");
}

TEST(Validate, TwoChoiceVariants) {
  expect_one_error(replace(kObservation, R"("valueInteger": 3)", R"("valueInteger": 3, "valueString": "3")"),
                   "Observation.component[0].valueString", "structure");
}

TEST(Validate, UnknownChoiceType) {
  // valueAddress is not an Observation.value[x] type.
  expect_one_error(replace(kObservation, R"("valueInteger": 3)", R"("valueAddress": {"city": "x"})"),
                   "Observation.component[0].valueAddress", "structure");
}

TEST(Validate, PrimitiveExtensionsOnly_element) {
  // _status is allowed (a primitive); _code is not (CodeableConcept is not a primitive).
  EXPECT_TRUE(errors_of(validate_json(replace(kObservation, R"("status": "final",)",
                                              R"("status": "final", "_status": {"id": "s1"},)")))
                  .empty());
  expect_one_error(replace(kObservation, R"("status": "final",)", R"("status": "final", "_code": {"id": "c"},)"),
                   "Observation._code", "structure");
}

TEST(Validate, PrimitiveArrayExtensionsAlignWithNulls) {
  const std::string patient = R"({"resourceType": "Patient", "name": [{"given": ["A", null],
      "_given": [null, {"extension": [{"url": "http://example.org/x", "valueString": "y"}]}]}]})";
  const std::vector<Issue> issues = validate_json(patient);
  EXPECT_TRUE(errors_of(issues).empty()) << describe(issues);
}

TEST(Validate, EmptyValuesAreErrors) {
  expect_one_error(replace(kObservation, R"("text": "3.9-6.1")", R"("text": "")"), "Observation.referenceRange[0].text",
                   "value");
  expect_one_error(replace(kObservation, R"("profile": ["http://example.org/p"])", R"("profile": [])"),
                   "Observation.meta.profile", "structure");
  expect_one_error(replace(kObservation, R"("high": {"value": 6.1})", R"("high": {})"),
                   "Observation.referenceRange[0].high", "structure");
  expect_one_error(replace(kObservation, R"("issued": "2024-03-01T09:00:00Z")", R"("issued": null)"),
                   "Observation.issued", "structure");
}

TEST(Validate, DeepPathsAreFhirPath) {
  expect_one_error(replace(kObservation, R"("low": {"value": 3.9, "unit": "mmol/L"})",
                           R"("low": {"value": true, "unit": "mmol/L"})"),
                   "Observation.referenceRange[0].low.value", "structure");
}

TEST(Validate, ResourceType) {
  expect_one_error(R"({"id": "x"})", "resourceType", "required");
  expect_one_error(R"({"resourceType": "Organization", "name": "x"})", "Organization", "not-supported");
}

TEST(Validate, DuplicateMember) {
  expect_one_error(replace(kObservation, R"("issued": "2024-03-01T09:00:00Z")",
                           R"("issued": "2024-03-01T09:00:00Z", "issued": "2024-03-01T09:00:00Z")"),
                   "Observation.issued", "structure");
}

TEST(Validate, DepthBombIsRefusedWithoutRecursion) {
  std::string bomb = R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "extension": [)";
  std::string tail;
  for (int i = 0; i < 100000; ++i) {
    bomb += R"({"url": "u", "extension": [)";
    tail += "]}";
  }
  bomb += tail + "]}";
  const std::vector<Issue> issues = validate_json(bomb);
  ASSERT_EQ(issues.size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].code, "too-costly");
}

TEST(Validate, DepthLimitInTheValidatorToo) {
  // 12 nested extensions nest 26 JSON levels: under the parse limit, so the validator sees it.
  std::string nested = R"({"resourceType": "Patient", "extension": [)";
  std::string tail;
  for (int i = 0; i < 12; ++i) {
    nested += R"({"url": "u", "extension": [)";
    tail += "]}";
  }
  nested += R"({"url": "u", "valueBoolean": true})" + tail + "]}";
  EXPECT_TRUE(errors_of(validate_json(nested)).empty()) << describe(validate_json(nested));
}

TEST(Validate, HugeArrayIsRefused) {
  std::string big = R"({"resourceType": "Patient", "name": [{"given": [)";
  for (int i = 0; i < 10001; ++i) big += (i == 0 ? "" : ",") + std::string(R"("a")");
  big += "]}]}";
  const std::vector<Issue> issues = validate_json(big);
  ASSERT_EQ(issues.size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].code, "too-costly");
}

TEST(Validate, NotJson) {
  const std::vector<Issue> issues = validate_json(R"({"resourceType": "Patient",)");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].code, "structure");
}

TEST(Validate, IssueCountIsBounded) {
  std::string many = R"({"resourceType": "Patient")";
  for (int i = 0; i < 300; ++i) many += ", \"bad" + std::to_string(i) + "\": 1";
  many += "}";
  const std::vector<Issue> issues = validate_json(many);
  EXPECT_EQ(issues.size(), kMaxIssues + 1);
  EXPECT_EQ(issues.back().code, "too-costly");
}

TEST(Validate, BundleEntriesAreValidated) {
  const std::string bundle = R"({"resourceType": "Bundle", "type": "transaction", "entry": [
      {"fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
       "resource": {"resourceType": "Patient", "gender": "female", "birthDate": "1970-02-30x"},
       "request": {"method": "POST", "url": "Patient"}},
      {"resource": {"resourceType": "Organization", "name": "x"}, "request": {"method": "POST", "url": "Organization"}}]})";
  const std::vector<Issue> issues = validate_json(bundle);
  const std::vector<Issue> errors = errors_of(issues);
  ASSERT_EQ(errors.size(), 1u) << describe(issues);
  EXPECT_EQ(errors[0].expression, "Bundle.entry[0].resource.birthDate");
  // The Organization is not validated, and says so.
  ASSERT_EQ(issues.size(), 2u) << describe(issues);
  EXPECT_EQ(issues[1].severity, Severity::kInformation);
  EXPECT_EQ(issues[1].expression, "Bundle.entry[1].resource");
}

TEST(Validate, ContainedResources) {
  const std::string obs =
      replace(kObservation, R"("identifier")",
              R"("contained": [{"resourceType": "Patient", "id": "p", "active": "yes"}], "identifier")");
  expect_one_error(obs, "Observation.contained[0].active", "structure");
}

TEST(Validate, JunkNamesAreNotEchoed) {
  const std::vector<Issue> issues = validate_json(R"({"resourceType": "Patient", "Jane Doe 1970": 1})");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].expression.find("Jane"), std::string::npos);
  EXPECT_EQ(issues[0].diagnostics.find("Jane"), std::string::npos);
  const std::vector<Issue> type = validate_json(R"({"resourceType": "Jane Doe 1970"})");
  ASSERT_EQ(type.size(), 1u);
  EXPECT_EQ(type[0].expression.find("Jane"), std::string::npos);
  EXPECT_EQ(type[0].diagnostics.find("Jane"), std::string::npos);
}

TEST(Validate, PrimitiveRules) {
  const auto patient_with = [](const std::string& member) {
    return errors_of(validate_json(R"({"resourceType": "Patient", )" + member + "}"));
  };
  EXPECT_TRUE(patient_with(R"("birthDate": "2024")").empty());
  EXPECT_TRUE(patient_with(R"("birthDate": "2024-02-29")").empty());
  EXPECT_FALSE(patient_with(R"("birthDate": "2024-02-29T10:00:00Z")").empty());
  EXPECT_FALSE(patient_with(R"("birthDate": "24-02-29")").empty());
  EXPECT_TRUE(patient_with(R"("gender": "female")").empty());
  EXPECT_FALSE(patient_with(R"("gender": " female")").empty());
  EXPECT_FALSE(patient_with(R"("id": "has space")").empty());
  EXPECT_FALSE(
      patient_with(R"("id": "0123456789012345678901234567890123456789012345678901234567890123456789")").empty());
  EXPECT_TRUE(patient_with(R"("multipleBirthInteger": 2)").empty());
  EXPECT_FALSE(patient_with(R"("multipleBirthInteger": 2147483648)").empty());
  EXPECT_TRUE(patient_with(R"("telecom": [{"rank": 1}])").empty());
  EXPECT_FALSE(patient_with(R"("telecom": [{"rank": 0}])").empty());
  EXPECT_FALSE(patient_with(R"("managingOrganization": {"type": "has space"})").empty());
  EXPECT_TRUE(patient_with(R"("photo": [{"data": "aGVsbG8=", "size": 5}])").empty());
  EXPECT_FALSE(patient_with(R"("photo": [{"data": "a*b"}])").empty());
  EXPECT_FALSE(patient_with(R"("photo": [{"size": -1}])").empty());
  EXPECT_TRUE(patient_with(R"("deceasedDateTime": "2024-03-01T08:30:00.5-05:00")").empty());
  EXPECT_FALSE(patient_with(R"("deceasedDateTime": "2024-03-01T24:30:00Z")").empty());
  EXPECT_TRUE(patient_with(R"("text": {"status": "generated", "div": "<div>x</div>"})").empty());
  EXPECT_FALSE(patient_with(R"("text": {"status": "generated", "div": "<p>x</p>"})").empty());
}

}  // namespace
}  // namespace medgw::fhir

namespace medgw::fhir {
namespace {

TEST(RequiredCodes, ValuesOutsideARequiredValueSetAreRefusedWithoutEchoingThem) {
  const auto patient = validate_json(R"({"resourceType": "Patient", "gender": "secretvalue"})");
  ASSERT_EQ(patient.size(), 1u);
  EXPECT_EQ(patient[0].expression, "Patient.gender");
  EXPECT_EQ(patient[0].code, "value");
  EXPECT_EQ(patient[0].diagnostics.find("secretvalue"), std::string::npos);
  EXPECT_NE(patient[0].diagnostics.find("female"), std::string::npos);
  const auto obs = validate_json(
      R"({"resourceType": "Observation", "status": "done", "code": {"text": "x"}})");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].expression, "Observation.status");
  EXPECT_TRUE(validate_json(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}})").empty());
  const auto enc = validate_json(R"({"resourceType": "Encounter", "status": "bogus", "class": {"code": "AMB"}})");
  ASSERT_EQ(enc.size(), 1u);
  EXPECT_EQ(enc[0].expression, "Encounter.status");
}

}  // namespace
}  // namespace medgw::fhir

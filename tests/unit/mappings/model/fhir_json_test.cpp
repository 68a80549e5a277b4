// FHIR R4 JSON of each resource type, compared byte for byte: the CRM store keeps exactly this
// text, so any change in it is a change of stored data and must show up here.
#include "mappings/model/fhir_json.hpp"

#include <gtest/gtest.h>

#include "mappings/model/fhir_writer.hpp"

namespace medgw::model {
namespace {

Quantity qty(std::string value, std::string unit, std::string comparator = "") {
  Quantity q;
  q.value.text = std::move(value);
  q.comparator = std::move(comparator);
  q.unit = unit;
  q.system = "http://unitsofmeasure.org";
  q.code = std::move(unit);
  return q;
}

TEST(FhirJson, EmptyResourcesHaveOnlyTheirType) {
  EXPECT_EQ(to_json(Patient{}), R"({"resourceType":"Patient"})");
  EXPECT_EQ(to_json(Encounter{}), R"({"resourceType":"Encounter"})");
  // intent defaults to "order": every ServiceRequest medgw makes is an order.
  EXPECT_EQ(to_json(ServiceRequest{}), R"({"resourceType":"ServiceRequest","intent":"order"})");
  EXPECT_EQ(to_json(DiagnosticReport{}), R"({"resourceType":"DiagnosticReport"})");
  EXPECT_EQ(to_json(Observation{}), R"({"resourceType":"Observation"})");
  EXPECT_EQ(to_json(DocumentReference{}), R"({"resourceType":"DocumentReference"})");
  EXPECT_EQ(to_json(ImagingStudy{}), R"({"resourceType":"ImagingStudy"})");
}

TEST(FhirJson, Patient) {
  Patient p;
  p.id = "p1";
  Identifier mr;
  mr.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "MR", ""});
  mr.system = "urn:oid:1.2.3";
  mr.value = "12345";
  mr.assigner = "HOSP";
  p.identifier.push_back(mr);
  p.identifier.push_back(Identifier{});  // empty: omitted
  p.active = true;
  HumanName n;
  n.use = "official";
  n.family = "张";
  n.given = {"三", ""};
  p.name.push_back(n);
  p.telecom.push_back({"phone", "+86 138 0000 0000", "mobile"});
  p.gender = "male";
  p.birth_date = "1980-02-29";
  p.deceased_boolean = false;
  Address a;
  a.use = "home";
  a.line = {"1 Main St"};
  a.city = "Beijing";
  a.postal_code = "100000";
  a.country = "CHN";
  p.address.push_back(a);
  p.link.push_back({{"Patient/2", "Patient", ""}, "replaces"});
  EXPECT_EQ(to_json(p),
            R"({"resourceType":"Patient","id":"p1","identifier":[{"type":{"coding":[{"system":)"
            R"("http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:oid:1.2.3",)"
            R"("value":"12345","assigner":{"display":"HOSP"}}],"active":true,"name":[{"use":"official",)"
            R"("family":"张","given":["三"]}],"telecom":[{"system":"phone","value":"+86 138 0000 0000",)"
            R"("use":"mobile"}],"gender":"male","birthDate":"1980-02-29","deceasedBoolean":false,)"
            R"("address":[{"use":"home","line":["1 Main St"],"city":"Beijing","postalCode":"100000",)"
            R"("country":"CHN"}],"link":[{"other":{"reference":"Patient/2","type":"Patient"},"type":"replaces"}]})");
}

TEST(FhirJson, PatientDeceasedDateTimeWinsOverTheFlag) {
  Patient p;
  p.deceased_boolean = true;
  p.deceased_date_time = "2024-01-02T03:04:05+08:00";
  EXPECT_EQ(to_json(p), R"({"resourceType":"Patient","deceasedDateTime":"2024-01-02T03:04:05+08:00"})");
}

TEST(FhirJson, Encounter) {
  Encounter e;
  e.identifier.push_back({"", {}, "", "V100", {}, ""});
  e.status = "in-progress";
  e.class_ = {"http://terminology.hl7.org/CodeSystem/v3-ActCode", "", "IMP", "inpatient encounter"};
  e.subject.type = "Patient";
  e.period.start = "2024-03-01T08:30:00+08:00";
  e.location.push_back({"", "", "W1^101^A"});
  e.service_provider.display = "HOSP";
  e.admit_source.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0023", "", "7", ""});
  EXPECT_EQ(to_json(e),
            R"({"resourceType":"Encounter","identifier":[{"value":"V100"}],"status":"in-progress",)"
            R"("class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP",)"
            R"("display":"inpatient encounter"},"subject":{"type":"Patient"},)"
            R"("period":{"start":"2024-03-01T08:30:00+08:00"},"hospitalization":{"admitSource":)"
            R"({"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0023","code":"7"}]}},)"
            R"("location":[{"location":{"display":"W1^101^A"}}],"serviceProvider":{"display":"HOSP"}})");
}

TEST(FhirJson, ServiceRequest) {
  ServiceRequest s;
  s.identifier.push_back({"", {{{"http://terminology.hl7.org/CodeSystem/v2-0203", "", "PLAC", ""}}, ""}, "", "P1", {}, ""});
  s.status = "active";
  s.code.coding.push_back({"http://loinc.org", "", "24323-8", "Comprehensive metabolic panel"});
  s.authored_on = "2024-03-01T08:00:00+08:00";
  s.requester.display = "Dr Li";
  s.note.push_back({"", "", "fasting"});
  EXPECT_EQ(to_json(s),
            R"({"resourceType":"ServiceRequest","identifier":[{"type":{"coding":[{"system":)"
            R"("http://terminology.hl7.org/CodeSystem/v2-0203","code":"PLAC"}]},"value":"P1"}],)"
            R"("status":"active","intent":"order","code":{"coding":[{"system":"http://loinc.org",)"
            R"("code":"24323-8","display":"Comprehensive metabolic panel"}]},)"
            R"("authoredOn":"2024-03-01T08:00:00+08:00","requester":{"display":"Dr Li"},)"
            R"("note":[{"text":"fasting"}]})");
}

TEST(FhirJson, DiagnosticReport) {
  DiagnosticReport r;
  r.status = "final";
  r.category.push_back({{{"http://terminology.hl7.org/CodeSystem/v2-0074", "", "LAB", ""}}, ""});
  r.code.text = "CBC";
  r.effective_date_time = "2024-03-01";
  r.result.push_back({"Observation/F1|718-7|1", "", ""});
  Attachment pdf;
  pdf.content_type = "application/pdf";
  pdf.data = "JVBERi0=";
  pdf.size = 5;
  r.presented_form.push_back(pdf);
  r.conclusion = "normal";
  EXPECT_EQ(to_json(r),
            R"({"resourceType":"DiagnosticReport","status":"final","category":[{"coding":[{"system":)"
            R"("http://terminology.hl7.org/CodeSystem/v2-0074","code":"LAB"}]}],"code":{"text":"CBC"},)"
            R"("effectiveDateTime":"2024-03-01","result":[{"reference":"Observation/F1|718-7|1"}],)"
            R"("conclusion":"normal","presentedForm":[{"contentType":"application/pdf","data":"JVBERi0=",)"
            R"("size":5}]})");
}

TEST(FhirJson, ObservationQuantityKeepsTheDecimalsText) {
  Observation o;
  o.status = "final";
  o.code.coding.push_back({"http://loinc.org", "", "2823-3", "Potassium"});
  o.value = qty("4.50", "mmol/L");
  o.interpretation.push_back({{{"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "", "N", ""}}, ""});
  ObservationReferenceRange rr;
  rr.low = qty("3.5", "mmol/L");
  rr.high = qty("5.10", "mmol/L");
  rr.text = "3.5-5.10";
  o.reference_range.push_back(rr);
  o.note.push_back({"", "", "haemolysed"});
  EXPECT_EQ(to_json(o),
            R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org",)"
            R"("code":"2823-3","display":"Potassium"}]},"valueQuantity":{"value":4.50,"unit":"mmol/L",)"
            R"("system":"http://unitsofmeasure.org","code":"mmol/L"},"interpretation":[{"coding":[{"system":)"
            R"("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}]}],)"
            R"("note":[{"text":"haemolysed"}],"referenceRange":[{"low":{"value":3.5,"unit":"mmol/L",)"
            R"("system":"http://unitsofmeasure.org","code":"mmol/L"},"high":{"value":5.10,"unit":"mmol/L",)"
            R"("system":"http://unitsofmeasure.org","code":"mmol/L"},"text":"3.5-5.10"}]})");
}

TEST(FhirJson, ObservationValueChoices) {
  Observation o;
  o.value = qty("10", "mg", ">");
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueQuantity":{"value":10,"comparator":">",)"
                        R"("unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}})");
  o.value = CodeableConcept{{{"http://snomed.info/sct", "", "260385009", "Negative"}}, ""};
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueCodeableConcept":{"coding":[{"system":)"
                        R"("http://snomed.info/sct","code":"260385009","display":"Negative"}]}})");
  o.value = std::string("clear");
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueString":"clear"})");
  o.value = Range{Quantity{{"2"}, "", "", "", ""}, Quantity{{"8"}, "", "", "", ""}};
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueRange":{"low":{"value":2},"high":{"value":8}}})");
  o.value = Ratio{Quantity{{"1"}, "", "", "", ""}, Quantity{{"128"}, "", "", "", ""}};
  EXPECT_EQ(to_json(o),
            R"({"resourceType":"Observation","valueRatio":{"numerator":{"value":1},"denominator":{"value":128}}})");
  o.value = DateTimeValue{"2024-03-01"};
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueDateTime":"2024-03-01"})");
  o.value = std::string();
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation"})");
  o.value = Range{};
  EXPECT_EQ(to_json(o), R"({"resourceType":"Observation"})");
}

TEST(FhirJson, InvalidDecimalIsNeverWrittenAsANumber) {
  for (const char* bad : {"4,5", "007", "1.", ".5", "+1", "1e", "abc", "1 2", "--1", "0x10", "NaN", "Infinity"}) {
    Observation o;
    o.value = Quantity{{bad}, "", "mg", "", ""};
    EXPECT_EQ(to_json(o), R"({"resourceType":"Observation","valueQuantity":{"unit":"mg"}})") << bad;
  }
  for (const char* good : {"0", "-0.5", "120", "4.50", "0.001", "1e3", "1.5E-2"}) {
    EXPECT_TRUE(json::is_valid_decimal(good)) << good;
  }
}

TEST(FhirJson, StringsAreEscaped) {
  Patient p;
  HumanName n;
  n.text = "a\"b\\c\n\t\x01/é";
  p.name.push_back(n);
  EXPECT_EQ(to_json(p), "{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"a\\\"b\\\\c\\n\\t\\u0001/é\"}]}");
}

TEST(FhirJson, InvalidUtf8BecomesReplacementCharacters) {
  Patient p;
  HumanName n;
  n.text = "a\xC3(b\xED\xA0\x80z\xFF";  // truncated sequence, a UTF-16 surrogate, a byte never valid
  p.name.push_back(n);
  EXPECT_EQ(to_json(p),
            "{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"a\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"
            "\xEF\xBF\xBD\"}]}");
}

TEST(FhirJson, DocumentReference) {
  DocumentReference d;
  d.master_identifier.value = "DOC1";
  d.status = "current";
  d.doc_status = "final";
  d.type.coding.push_back({"http://loinc.org", "", "11506-3", "Progress note"});
  d.date = "2024-03-01T09:00:00+08:00";
  d.author.push_back({"", "", "Dr Wang"});
  DocumentReferenceContent c;
  c.attachment.content_type = "text/plain";
  c.attachment.data = "aGk=";
  c.attachment.size = 2;
  d.content.push_back(c);
  d.context_encounter.reference = "Encounter/V1";
  EXPECT_EQ(to_json(d),
            R"({"resourceType":"DocumentReference","masterIdentifier":{"value":"DOC1"},"status":"current",)"
            R"("docStatus":"final","type":{"coding":[{"system":"http://loinc.org","code":"11506-3",)"
            R"("display":"Progress note"}]},"date":"2024-03-01T09:00:00+08:00","author":[{"display":"Dr Wang"}],)"
            R"("content":[{"attachment":{"contentType":"text/plain","data":"aGk=","size":2}}],)"
            R"("context":{"encounter":[{"reference":"Encounter/V1"}]}})");
}

TEST(FhirJson, ImagingStudy) {
  ImagingStudy s;
  s.identifier.push_back({"", {}, "urn:dicom:uid", "urn:oid:1.2.840.1", {}, ""});
  s.status = "available";
  s.modality.push_back({"http://dicom.nema.org/resources/ontology/DCM", "", "CT", ""});
  s.started = "2024-03-01T10:00:00+08:00";
  s.number_of_series = 2;
  s.number_of_instances = 120;
  s.description = "CT chest";
  EXPECT_EQ(to_json(s),
            R"({"resourceType":"ImagingStudy","identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2.840.1"}],)"
            R"("status":"available","modality":[{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"}],)"
            R"("started":"2024-03-01T10:00:00+08:00","numberOfSeries":2,"numberOfInstances":120,)"
            R"("description":"CT chest"})");
}

TEST(FhirJson, Bundle) {
  EXPECT_EQ(bundle_json("collection", {}), R"({"resourceType":"Bundle","type":"collection"})");
  EXPECT_EQ(bundle_json("collection", {to_json(Patient{}), to_json(Observation{})}, {"urn:uuid:1", "urn:uuid:2"}),
            R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":)"
            R"({"resourceType":"Patient"}},{"fullUrl":"urn:uuid:2","resource":{"resourceType":"Observation"}}]})");
  // Mismatched lengths: URLs dropped rather than misattached.
  EXPECT_EQ(bundle_json("searchset", {to_json(Patient{})}, {"a", "b"}),
            R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient"}}]})");
}

}  // namespace
}  // namespace medgw::model

#include "adapters/fhir/poll_envelope.hpp"

#include <gtest/gtest.h>

#include "mappings/fhir/interaction.hpp"
#include "mappings/fhir/map_interaction.hpp"
#include "mappings/mpi/identity.hpp"

namespace medgw::fhir {
namespace {

constexpr const char* kBase = "https://lis.example/fhir";

std::string describe(const MapError& e) {
  std::string out;
  for (const Issue& i : e.issues) out += i.expression + ": " + i.diagnostics + "\n";
  return out;
}

struct Polled {
  BundlePage page;
  PolledResource out;
};

Polled poll_one(const std::string& type, const std::string& resource) {
  const std::string body = R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":)" + resource + "}]}";
  auto page = parse_search_page(body, type);
  EXPECT_TRUE(page) << page.error();
  PolledResource out = polled_envelope("lis", kBase, page->doc, page->entries.at(0), 1234);
  return {std::move(*page), std::move(out)};
}

TEST(UpstreamPatientId, ReadsTheUpstreamsPatientReferencesOnly) {
  EXPECT_EQ(upstream_patient_id("Patient/7", kBase), "7");
  EXPECT_EQ(upstream_patient_id("Patient/7/_history/3", kBase), "7");
  EXPECT_EQ(upstream_patient_id("https://lis.example/fhir/Patient/p-1", kBase), "p-1");
  EXPECT_EQ(upstream_patient_id("https://other.example/fhir/Patient/7", kBase), "");
  EXPECT_EQ(upstream_patient_id("Group/7", kBase), "");
  EXPECT_EQ(upstream_patient_id("Patient/", kBase), "");
  EXPECT_EQ(upstream_patient_id("Patient/7/extra", kBase), "");
  EXPECT_EQ(upstream_patient_id("urn:uuid:1234", kBase), "");
}

TEST(PolledEnvelope, AnObservationNamesTheUpstreamPatientByIdentifierAndMapsThroughThePipeline) {
  auto p =
      poll_one("Observation", R"({"resourceType":"Observation","id":"obs-9",)"
                              R"("meta":{"versionId":"3","lastUpdated":"2024-03-01T10:00:00Z"},)"
                              R"("status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2093-3"}]},)"
                              R"("subject":{"reference":"Patient/7","display":"someone"},)"
                              R"("valueQuantity":{"value":5.20,"unit":"mmol/L"}})");
  const Envelope& e = p.out.envelope;
  EXPECT_EQ(p.out.patient_id, "7");
  EXPECT_EQ(e.content_type, kContentTypeFhirInteraction);
  EXPECT_EQ(e.source, "lis");
  EXPECT_EQ(e.received_at_ms, 1234);
  EXPECT_EQ(e.dedupe_key, "lis|Observation/obs-9/_history/3");
  EXPECT_EQ(e.ordering_key, "FHIR^lis|Patient/7");

  auto in = parse_interaction(e.raw);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, InteractionKind::kCreate);
  EXPECT_EQ(in->client, "lis");
  EXPECT_EQ(in->type, "Observation");
  EXPECT_EQ(in->key, "obs-9");
  // The number keeps its text; the reference is gone; display stays; id and meta stay as sent.
  EXPECT_NE(in->body.find(R"("value":5.20)"), std::string::npos) << in->body;
  EXPECT_EQ(in->body.find("Patient/7"), std::string::npos) << in->body;
  EXPECT_NE(in->body.find(R"("display":"someone")"), std::string::npos) << in->body;
  EXPECT_NE(in->body.find(R"("versionId":"3")"), std::string::npos) << in->body;

  auto cs = map_interaction_json(e.raw);
  ASSERT_TRUE(cs) << describe(cs.error());
  EXPECT_EQ(cs->sender, "FHIR^lis");
  ASSERT_TRUE(cs->subject);
  EXPECT_TRUE(cs->subject->patient_id.empty());  // never medgw's own Patient/7
  ASSERT_TRUE(cs->subject->identifier);
  EXPECT_EQ(cs->subject->identifier->system, "urn:medgw:fhir-source:lis:Patient");
  EXPECT_EQ(cs->subject->identifier->value, "7");
  ASSERT_EQ(cs->observations.size(), 1u);
  EXPECT_EQ(cs->observations[0].key, "obs-9");  // a later version upserts the same row
  EXPECT_TRUE(cs->observations[0].target.id.empty());
}

TEST(PolledEnvelope, APatientIsKeyedByItsUpstreamIdWhateverElseItCarries) {
  auto p = poll_one(
      "Patient",
      R"({"resourceType":"Patient","id":"7","meta":{"lastUpdated":"2024-03-01T10:00:00Z"},)"
      R"("identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},)"
      R"("system":"urn:oid:1.2.3","value":"MRN-1"}],"gender":"female"})");
  const Envelope& e = p.out.envelope;
  EXPECT_EQ(p.out.patient_id, "7");
  EXPECT_EQ(e.dedupe_key, "lis|Patient/7/_history/2024-03-01T10:00:00Z");  // no versionId: lastUpdated
  EXPECT_EQ(e.ordering_key, "FHIR^lis|Patient/7");
  auto cs = map_interaction_json(e.raw);
  ASSERT_TRUE(cs) << describe(cs.error());
  ASSERT_TRUE(cs->patient);
  ASSERT_EQ(cs->patient->patient.identifier.size(), 2u);
  auto key = mpi::source_key(cs->patient->patient.identifier);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->system, "urn:medgw:fhir-source:lis:Patient");
  EXPECT_EQ(key->value, "7");
  EXPECT_EQ(cs->patient->patient.identifier[1].value, "MRN-1");  // the upstream's own identifiers kept
}

TEST(PolledEnvelope, APatientWithoutIdentifiersGetsTheUpstreamOne) {
  auto p = poll_one("Patient", R"({"resourceType":"Patient","id":"8","meta":{"lastUpdated":"2024-03-01T10:00:00Z"}})");
  auto cs = map_interaction_json(p.out.envelope.raw);
  ASSERT_TRUE(cs) << describe(cs.error());
  ASSERT_TRUE(cs->patient);
  ASSERT_EQ(cs->patient->patient.identifier.size(), 1u);
  EXPECT_EQ(cs->patient->patient.identifier[0].value, "8");
}

TEST(PolledEnvelope, AnAbsoluteSubjectOfTheUpstreamIsRewrittenAnotherServersIsLeftForTheMappingToRefuse) {
  auto mine =
      poll_one("Observation",
               R"({"resourceType":"Observation","id":"o1","meta":{"lastUpdated":"2024-03-01T10:00:00Z"},)"
               R"("status":"final","code":{"text":"x"},"subject":{"reference":"https://lis.example/fhir/Patient/7"}})");
  EXPECT_EQ(mine.out.patient_id, "7");
  EXPECT_TRUE(map_interaction_json(mine.out.envelope.raw));
  auto other =
      poll_one("Observation",
               R"({"resourceType":"Observation","id":"o2","meta":{"lastUpdated":"2024-03-01T10:00:00Z"},)"
               R"("status":"final","code":{"text":"x"},"subject":{"reference":"https://elsewhere/fhir/Patient/7"}})");
  EXPECT_EQ(other.out.patient_id, "");
  EXPECT_EQ(other.out.envelope.ordering_key, "FHIR^lis|Observation/o2");
  EXPECT_FALSE(map_interaction_json(other.out.envelope.raw));  // parked with its reason, never misfiled
}

TEST(PolledEnvelope, ASubjectByIdentifierIsKeptAndOrdersByIt) {
  auto p = poll_one(
      "Observation",
      R"({"resourceType":"Observation","id":"o3","meta":{"lastUpdated":"2024-03-01T10:00:00Z"},)"
      R"("status":"final","code":{"text":"x"},"subject":{"identifier":{"system":"urn:oid:1.2.3","value":"MRN-1"}}})");
  EXPECT_EQ(p.out.patient_id, "");
  EXPECT_EQ(p.out.envelope.ordering_key, "FHIR^lis|urn:oid:1.2.3|MRN-1");
  auto cs = map_interaction_json(p.out.envelope.raw);
  ASSERT_TRUE(cs) << describe(cs.error());
  ASSERT_TRUE(cs->subject && cs->subject->identifier);
  EXPECT_EQ(cs->subject->identifier->value, "MRN-1");
}

}  // namespace
}  // namespace medgw::fhir

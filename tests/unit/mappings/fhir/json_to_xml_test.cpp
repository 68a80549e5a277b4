// FHIR JSON -> XML, the rules read backwards: element order from the definitions, primitives as
// value attributes with their _name companions, resources wrapped in their element, narratives
// as XHTML; and every HL7 example of a supported type (../shared/corpus/fhir-r4/json, skipped when
// absent) going JSON -> XML -> JSON unchanged.
#include "mappings/fhir/json_to_xml.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "mappings/fhir/operation_outcome.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/xml_to_json.hpp"
#include "tests/support/corpus_files.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"
#include "tests/unit/mappings/fhir/json_compare.hpp"

namespace medgw::fhir {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDecl = R"(<?xml version="1.0" encoding="UTF-8"?>)";

std::string to_xml(const std::string& json) {
  auto xml = fhir_json_to_xml(json);
  EXPECT_TRUE(xml.has_value()) << xml.error().expression << ": " << xml.error().diagnostics;
  return xml.has_value() ? *xml : std::string();
}

// JSON -> XML -> JSON gives the same data.
void expect_round_trip(const std::string& json) {
  const std::string xml = to_xml(json);
  auto back = fhir_xml_to_json(xml);
  ASSERT_TRUE(back.has_value()) << back.error().expression << ": " << back.error().diagnostics << "\n" << xml;
  EXPECT_EQ(test::json_difference(json, *back), "") << xml << "\n" << *back;
}

TEST(JsonToXml, PrimitivesBecomeValueAttributesUnderTheResourceElement) {
  EXPECT_EQ(to_xml(R"({"resourceType":"Patient","id":"p1","active":true,"birthDate":"1974-12-25"})"),
            std::string(kDecl) + R"(<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><active value="true"/>)"
                                 R"(<birthDate value="1974-12-25"/></Patient>)");
}

TEST(JsonToXml, ElementsFollowTheDefinitionOrderNotTheJsonOrder) {
  EXPECT_EQ(to_xml(R"({"birthDate":"1974-12-25","name":[{"given":["P"],"family":"C"}],"resourceType":"Patient",)"
                   R"("meta":{"versionId":"2"},"id":"p"})"),
            std::string(kDecl) +
                R"(<Patient xmlns="http://hl7.org/fhir"><id value="p"/><meta><versionId value="2"/></meta>)"
                R"(<name><family value="C"/><given value="P"/></name><birthDate value="1974-12-25"/></Patient>)");
}

TEST(JsonToXml, DecimalsAreWrittenAsTheirText) {
  const std::string xml = to_xml(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                                 R"("valueQuantity":{"value":5.20,"unit":"mmol/L"}})");
  EXPECT_NE(xml.find(R"(<valueQuantity><value value="5.20"/><unit value="mmol/L"/></valueQuantity>)"),
            std::string::npos)
      << xml;
}

TEST(JsonToXml, UnderscoreCompanionsAndNullsAlign) {
  const std::string json =
      R"({"resourceType":"Patient","name":[{"given":["Peter",null,"Jim"],)"
      R"("_given":[null,{"extension":[{"url":"http://example.org/x","valueCode":"unknown"}]},{"id":"g3"}]}],)"
      R"("_gender":{"id":"g","extension":[{"url":"http://example.org/y","valueString":"s"}]}})";
  const std::string xml = to_xml(json);
  EXPECT_NE(
      xml.find(R"(<given value="Peter"/><given><extension url="http://example.org/x"><valueCode value="unknown"/>)"
               R"(</extension></given><given id="g3" value="Jim"/>)"),
      std::string::npos)
      << xml;
  EXPECT_NE(
      xml.find(R"(<gender id="g"><extension url="http://example.org/y"><valueString value="s"/></extension></gender>)"),
      std::string::npos)
      << xml;
  expect_round_trip(json);
}

TEST(JsonToXml, ContainedAndBundleResourcesAreWrapped) {
  const std::string json =
      R"({"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"fullUrl":"http://x/fhir/Observation/1",)"
      R"("resource":{"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p"}],"status":"final",)"
      R"("code":{"text":"x"},"subject":{"reference":"#p"}},"search":{"mode":"match"}}]})";
  const std::string xml = to_xml(json);
  EXPECT_NE(xml.find(R"(<resource><Observation><contained><Patient><id value="p"/></Patient></contained>)"),
            std::string::npos)
      << xml;
  expect_round_trip(json);
}

TEST(JsonToXml, NarrativeIsEmbeddedAsXhtml) {
  const std::string json =
      R"({"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)"
      R"(<p>Peter &amp; &quot;Jim&quot; 5 &lt; 6<br/></p>\n</div>"}})";
  const std::string xml = to_xml(json);
  EXPECT_NE(
      xml.find(
          R"(<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Peter &amp; &quot;Jim&quot; 5 &lt; 6<br/></p>)"),
      std::string::npos)
      << xml;
  expect_round_trip(json);
  // A narrative that is not well-formed cannot be written as XML: an error, never broken XML.
  auto bad = fhir_json_to_xml(R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>unclosed"}})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().expression, "Patient.text.div");
}

TEST(JsonToXml, AttributeValuesKeepNewlinesTabsAndSpecialCharacters) {
  expect_round_trip(R"({"resourceType":"Patient","name":[{"text":"a\n\tb\r\nc <&> \"q\" 'a' \u5f20"}]})");
  EXPECT_FALSE(fhir_json_to_xml(R"({"resourceType":"Patient","name":[{"text":"bell\u0007"}]})").has_value());
}

TEST(JsonToXml, OperationOutcomesFollowTheDefinitionOrder) {
  // The OperationOutcome the server writes for every error.
  const std::string oo =
      operation_outcome_json({Issue{Severity::kError, issue_code::kStructure, "Patient.name", "unknown element"}});
  EXPECT_EQ(to_xml(oo), std::string(kDecl) +
                            R"(<OperationOutcome xmlns="http://hl7.org/fhir"><issue><severity value="error"/>)"
                            R"(<code value="structure"/><diagnostics value="unknown element"/>)"
                            R"(<expression value="Patient.name"/></issue></OperationOutcome>)");
  // Whatever order its JSON has: OperationOutcome.issue is severity, code, details, diagnostics,
  // location, expression (a schema-validating client expects exactly that), and issue repeats.
  EXPECT_EQ(to_xml(R"({"issue":[{"expression":["a","b"],"location":["l"],"diagnostics":"d","details":{"text":"t"},)"
                   R"("code":"value","severity":"error"}],"resourceType":"OperationOutcome","id":"o"})"),
            std::string(kDecl) +
                R"(<OperationOutcome xmlns="http://hl7.org/fhir"><id value="o"/><issue><severity value="error"/>)"
                R"(<code value="value"/><details><text value="t"/></details><diagnostics value="d"/>)"
                R"(<location value="l"/><expression value="a"/><expression value="b"/></issue></OperationOutcome>)");
  expect_round_trip(oo);
}

TEST(JsonToXml, TypesWithoutATableKeepTheirJsonOrder) {
  EXPECT_EQ(to_xml(R"({"resourceType":"Organization","name":"n","active":true})"),
            std::string(kDecl) +
                R"(<Organization xmlns="http://hl7.org/fhir"><name value="n"/><active value="true"/></Organization>)");
}

TEST(JsonToXml, NotJsonOrNoResourceTypeIsAnError) {
  EXPECT_FALSE(fhir_json_to_xml("<Patient/>").has_value());
  EXPECT_FALSE(fhir_json_to_xml(R"({"id":"x"})").has_value());
  EXPECT_FALSE(fhir_json_to_xml(R"({"resourceType":"Pat ient"})").has_value());
}

// ---- every example of a supported type: JSON -> XML -> JSON --------------------------------

TEST(JsonToXmlCorpus, EverySupportedExampleRoundTrips) {
  std::error_code ec;
  if (!fs::is_directory(test::fhir_corpus_dir(), ec)) {
    GTEST_SKIP() << "FHIR R4 corpus absent: " << test::fhir_corpus_dir().string()
                 << " is not a directory, so the round trips are skipped (MEDGW_FHIR_CORPUS_DIR overrides it)";
  }
  std::size_t round_tripped = 0, supported = 0, refused = 0;
  for (const fs::path& file : test_support::corpus_files(test::fhir_corpus_dir())) {
    if (file.extension() != ".json") continue;
    const std::string json = test::read_file(file);
    auto doc = JsonDocument::parse(json, 256);
    ASSERT_TRUE(doc.has_value()) << file;
    if (!is_supported_resource(text_of(doc->root()["resourceType"]))) continue;
    ++supported;
    auto xml = fhir_json_to_xml(json);
    ASSERT_TRUE(xml.has_value()) << file.filename() << ": " << xml.error().diagnostics;
    auto back = fhir_xml_to_json(*xml);
    // Every type the examples nest has a table (structure_nested.cpp), so none may stop the way back.
    if (!back) {
      ADD_FAILURE() << file.filename() << ": " << back.error().expression << " " << back.error().diagnostics;
      ++refused;
      continue;
    }
    EXPECT_EQ(test::json_difference(json, *back), "") << file.filename();
    ++round_tripped;
  }
  std::cout << "examples of supported types: " << supported << "; JSON -> XML -> JSON identical: " << round_tripped
            << "; XML -> JSON refused: " << refused << "\n";
  EXPECT_EQ(refused, 0u);
  EXPECT_GE(supported, 94u);  // the corpus's 94 examples of supported types
  EXPECT_EQ(round_tripped, supported);
}

}  // namespace
}  // namespace medgw::fhir

// The hardened XML parser refuses what FHIR forbids and what attacks a parser: DOCTYPEs (so
// neither XXE nor billion laughs can expand), entity references, deep nesting, huge values, and
// says where a document is not well-formed without quoting it.
#include "mappings/fhir/xml_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mappings/fhir/xml_to_json.hpp"

namespace medgw::fhir {
namespace {

constexpr const char* kXxe = R"(<?xml version="1.0"?>
<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Patient xmlns="http://hl7.org/fhir"><id value="&xxe;"/></Patient>)";

constexpr const char* kBillionLaughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Patient xmlns="http://hl7.org/fhir"><name><family value="&lol9;"/></name></Patient>)";

void expect_refused(const std::string& xml, const char* code, const std::string& words) {
  auto doc = parse_xml(xml);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code, code);
  EXPECT_NE(doc.error().diagnostics.find(words), std::string::npos) << doc.error().diagnostics;
  // The same through the codec the FHIR API uses.
  auto json = fhir_xml_to_json(xml);
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().code, code);
}

TEST(XmlParser, ExternalEntityIsRefusedAndNeverRead) {
  expect_refused(kXxe, issue_code::kStructure, "DOCTYPE");
  auto json = fhir_xml_to_json(kXxe);
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().diagnostics.find("root:"), std::string::npos);  // nothing of /etc/passwd
}

TEST(XmlParser, BillionLaughsIsRefusedWithoutExpanding) {
  expect_refused(kBillionLaughs, issue_code::kStructure, "DOCTYPE");
}

TEST(XmlParser, AnyDoctypeIsRefusedEvenWithoutEntities) {
  expect_refused(R"(<!DOCTYPE Patient SYSTEM "http://example.org/fhir.dtd"><Patient xmlns="http://hl7.org/fhir"/>)",
                 issue_code::kStructure, "DOCTYPE");
  expect_refused(R"(<!DOCTYPE Patient><Patient xmlns="http://hl7.org/fhir"/>)", issue_code::kStructure, "DOCTYPE");
}

TEST(XmlParser, UndeclaredEntityIsNotWellFormed) {
  // Without a DTD only the five predefined entities and character references exist.
  expect_refused(R"(<Patient xmlns="http://hl7.org/fhir"><id value="&xxe;"/></Patient>)", issue_code::kStructure,
                 "not well-formed");
}

TEST(XmlParser, PredefinedEntitiesAndCharacterReferencesAreText) {
  auto json = fhir_xml_to_json(
      R"(<Patient xmlns="http://hl7.org/fhir"><name><family value="O&apos;Brien &amp; &#x5F20;&#20025;"/></name></Patient>)");
  ASSERT_TRUE(json.has_value()) << json.error().diagnostics;
  EXPECT_NE(json->find("O'Brien & \xE5\xBC\xA0\xE4\xB8\xB9"), std::string::npos) << *json;
}

TEST(XmlParser, DeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "<a>";
  auto doc = parse_xml("<Patient xmlns=\"http://hl7.org/fhir\">" + deep);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code, issue_code::kTooCostly);

  // Within libxml2's limit (256) but beyond ours.
  std::string nested = "<Patient xmlns=\"http://hl7.org/fhir\">", end = "</Patient>";
  for (int i = 0; i < 200; ++i) {
    nested += "<contained>";
    end = "</contained>" + end;
  }
  auto doc2 = parse_xml(nested + end);
  ASSERT_FALSE(doc2.has_value());
  EXPECT_EQ(doc2.error().code, issue_code::kTooCostly);
  EXPECT_NE(doc2.error().diagnostics.find("nests deeper"), std::string::npos);
}

TEST(XmlParser, HugeAttributeIsRefused) {
  const std::string huge(11'000'000, 'x');  // beyond libxml2's 10,000,000-byte value limit
  auto doc = parse_xml("<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"" + huge + "\"/></Patient>");
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code, issue_code::kStructure);
  // And our own size limit comes first when it is smaller.
  XmlLimits small;
  small.max_bytes = 1000;
  auto doc2 = parse_xml(
      "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"" + std::string(2000, 'x') + "\"/></Patient>", small);
  ASSERT_FALSE(doc2.has_value());
  EXPECT_EQ(doc2.error().code, issue_code::kTooCostly);
}

TEST(XmlParser, MalformedXmlSaysWhereButNotWhat) {
  auto doc = parse_xml("<Patient xmlns=\"http://hl7.org/fhir\">\n<name><family value=\"Secret\"></name></Patient>");
  ASSERT_FALSE(doc.has_value());
  EXPECT_NE(doc.error().diagnostics.find("line 2"), std::string::npos) << doc.error().diagnostics;
  EXPECT_EQ(doc.error().diagnostics.find("Secret"), std::string::npos);
  EXPECT_EQ(doc.error().diagnostics.find("family"), std::string::npos);
}

TEST(XmlParser, NotXmlAtAllAndEmpty) {
  EXPECT_FALSE(parse_xml("{\"resourceType\":\"Patient\"}").has_value());
  EXPECT_FALSE(parse_xml("").has_value());
  EXPECT_FALSE(parse_xml(std::string("<a>\0</a>", 8)).has_value());
}

TEST(XmlParser, XIncludeIsNotProcessed) {
  // An XInclude element is just an element in another namespace: refused by the codec, never
  // fetched.
  auto json = fhir_xml_to_json(R"(<Patient xmlns="http://hl7.org/fhir" xmlns:xi="http://www.w3.org/2001/XInclude">)"
                               R"(<xi:include href="file:///etc/passwd" parse="text"/></Patient>)");
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().code, issue_code::kStructure);
}

}  // namespace
}  // namespace medgw::fhir

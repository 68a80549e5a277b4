// The lexical rules of the FHIR R4 primitives (http://hl7.org/fhir/R4/datatypes.html).
#include "mappings/fhir/primitives.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

bool ok(std::string_view type, std::string_view text) {
  return check_primitive(type, text) == nullptr;
}

TEST(Primitives, DateTimeFamily) {
  for (const char* v : {"2024", "2024-03", "2024-03-01", "0001-01-01"}) EXPECT_TRUE(ok("date", v)) << v;
  for (const char* v : {"0000", "2024-3", "2024-00", "2024-03-32", "2024-03-01T00:00:00Z", "2024-03-01 ", "20240301"}) {
    EXPECT_FALSE(ok("date", v)) << v;
  }
  for (const char* v :
       {"2024", "2024-03-01T08:30:00Z", "2024-03-01T08:30:00.123456+14:00", "2016-12-31T23:59:60-05:00"}) {
    EXPECT_TRUE(ok("dateTime", v)) << v;
  }
  for (const char* v : {"2024-03T08:30:00Z", "2024-03-01T08:30Z", "2024-03-01T08:30:00", "2024-03-01T08:30:00+14:01",
                        "2024-03-01T08:30:00+15:00", "2024-03-01T08:30:00.Z", "2024-03-01T25:00:00Z"}) {
    EXPECT_FALSE(ok("dateTime", v)) << v;
  }
  EXPECT_TRUE(ok("instant", "2024-03-01T08:30:00.000Z"));
  EXPECT_FALSE(ok("instant", "2024-03-01"));
  EXPECT_FALSE(ok("instant", "2024-03-01T08:30:00"));
  EXPECT_TRUE(ok("time", "23:59:59.5"));
  EXPECT_FALSE(ok("time", "24:00:00"));
  EXPECT_FALSE(ok("time", "08:30"));
}

TEST(Primitives, Identifiers) {
  EXPECT_TRUE(ok("id", "a-B.9"));
  EXPECT_FALSE(ok("id", "a_b"));
  EXPECT_FALSE(ok("id", std::string(65, 'a')));
  EXPECT_TRUE(ok("oid", "urn:oid:1.2.840.10008"));
  EXPECT_FALSE(ok("oid", "urn:oid:3.2"));
  EXPECT_FALSE(ok("oid", "urn:oid:1.02"));
  EXPECT_FALSE(ok("oid", "1.2.3"));
  EXPECT_TRUE(ok("uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"));
  EXPECT_FALSE(ok("uuid", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"));
  EXPECT_FALSE(ok("uuid", "c757873d-ec9a-4326-a141-556f43239520"));
  EXPECT_TRUE(ok("uri", "http://loinc.org"));
  EXPECT_FALSE(ok("uri", "http://loinc .org"));
  EXPECT_TRUE(ok("code", "a b"));
  EXPECT_FALSE(ok("code", "a  b"));
  EXPECT_FALSE(ok("code", "a\tb "));
}

TEST(Primitives, Numbers) {
  EXPECT_TRUE(ok("integer", "-2147483648"));
  EXPECT_FALSE(ok("integer", "-2147483649"));
  EXPECT_FALSE(ok("integer", "1.0"));
  EXPECT_FALSE(ok("integer", "1e2"));
  EXPECT_TRUE(ok("unsignedInt", "0"));
  EXPECT_FALSE(ok("unsignedInt", "-1"));
  EXPECT_FALSE(ok("positiveInt", "0"));
  EXPECT_TRUE(ok("positiveInt", "2147483647"));
  EXPECT_FALSE(ok("positiveInt", "2147483648"));
  EXPECT_TRUE(ok("decimal", "-0.50"));
  EXPECT_TRUE(ok("decimal", "1e-3"));
}

TEST(Primitives, Strings) {
  EXPECT_TRUE(ok("string", " "));  // [ \r\n\t\S]+
  EXPECT_FALSE(ok("string", ""));
  EXPECT_FALSE(ok("markdown", ""));
  EXPECT_TRUE(ok("base64Binary", "aGVs bG8="));
  EXPECT_FALSE(ok("base64Binary", "aGVsbG8"));
  EXPECT_TRUE(ok("xhtml", "<div xmlns=\"http://www.w3.org/1999/xhtml\"/>"));
}

TEST(Primitives, Kinds) {
  EXPECT_EQ(json_kind("boolean"), JsonKind::kBoolean);
  EXPECT_EQ(json_kind("decimal"), JsonKind::kNumber);
  EXPECT_EQ(json_kind("positiveInt"), JsonKind::kNumber);
  EXPECT_EQ(json_kind("dateTime"), JsonKind::kString);
  EXPECT_TRUE(is_primitive_type("canonical"));
  EXPECT_FALSE(is_primitive_type("Coding"));
  EXPECT_FALSE(is_primitive_type(""));
}

}  // namespace
}  // namespace medgw::fhir

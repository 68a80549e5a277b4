// The parsed document keeps numbers as sent, tells numbers from strings, and refuses hostile input.
#include "mappings/fhir/json_document.hpp"

#include <gtest/gtest.h>

#include "mappings/fhir/json_rewrite.hpp"

namespace medgw::fhir {
namespace {

TEST(JsonDocument, NumbersKeepTheirTextAndAreNotStrings) {
  auto doc = JsonDocument::parse(R"({"a": 4.50, "b": "4.50", "c": [-0.0, 1E+2], "d": true})");
  ASSERT_TRUE(doc.has_value());
  const auto& r = doc->root();
  EXPECT_TRUE(doc->is_number(r["a"]));
  EXPECT_EQ(doc->number_text(r["a"]), "4.50");
  EXPECT_FALSE(doc->is_number(r["b"]));
  EXPECT_TRUE(doc->is_string(r["b"]));
  EXPECT_EQ(doc->number_text(r["b"]), "");
  EXPECT_EQ(doc->number_text(r["c"][0]), "-0.0");
  EXPECT_EQ(doc->number_text(r["c"][1]), "1E+2");
  EXPECT_FALSE(doc->is_number(r["d"]));
}

TEST(JsonDocument, SurvivesAMove) {
  auto doc = JsonDocument::parse(R"({"a": 1.10})");
  ASSERT_TRUE(doc.has_value());
  JsonDocument moved = std::move(doc).value();
  EXPECT_EQ(moved.number_text(moved.root()["a"]), "1.10");
}

TEST(JsonDocument, RefusesWhatIsNotJson) {
  for (const char* bad : {"", "{", R"({"a": 007})", R"({"a": 1,})", "{\"a\": \"\xC3\x28\"}", R"({"a": NaN})"}) {
    auto doc = JsonDocument::parse(bad);
    ASSERT_FALSE(doc.has_value()) << bad;
    EXPECT_EQ(doc.error().code, "structure");
  }
  auto nul = JsonDocument::parse(std::string_view("{\"a\": 1}\0{", 10));
  EXPECT_FALSE(nul.has_value());
}

// A body that ends inside a multi-byte UTF-8 sequence: refused as invalid encoding, and (under
// ASan, the dev build) without reading past the buffer. Found by tests/fuzz/fuzz_fhir_xml.
TEST(JsonDocument, ABodyEndingInAUtf8LeadByteIsRefusedWithoutOverreading) {
  for (std::string tail : {"\xF3", "\xF3o", "\xE4\xBD", "\xC3"}) {
    const std::string body = R"({"resourceType":"Bundle","type":"tr)" + tail;
    auto doc = JsonDocument::parse(body);
    ASSERT_FALSE(doc) << "tail of " << tail.size() << " bytes";
    EXPECT_EQ(doc.error().code, issue_code::kStructure);
  }
  auto ok = JsonDocument::parse("{\"name\":\"\xE5\xBC\xA0\"}");  // a complete sequence still reads
  ASSERT_TRUE(ok);
  EXPECT_STREQ(ok->root()["name"].GetString(), "\xE5\xBC\xA0");
}

TEST(JsonDocument, Limits) {
  EXPECT_TRUE(JsonDocument::parse(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')).has_value());
  auto deep = JsonDocument::parse(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, "too-costly");
  std::string wide = "[";
  for (std::size_t i = 0; i <= kMaxArrayItems; ++i) wide += i ? ",0" : "0";
  wide += "]";
  auto too_wide = JsonDocument::parse(wide);
  ASSERT_FALSE(too_wide.has_value());
  EXPECT_EQ(too_wide.error().code, "too-costly");
}

TEST(JsonRewrite, DropsIdAndMetaRewritesReferencesKeepsTheRest) {
  auto doc = JsonDocument::parse(R"({"resourceType": "Observation", "id": "1", "meta": {"versionId": "2"},
      "valueQuantity": {"value": 1.50}, "subject": {"reference": "urn:uuid:x"},
      "note": [{"text": "reference"}], "hasMember": [{"reference": "Observation/2"}], "x": [null, false]})");
  ASSERT_TRUE(doc.has_value());
  RewriteOptions options;
  options.reference = [](std::string_view ref) -> std::optional<std::string> {
    if (ref == "urn:uuid:x") return "Patient/k#0";
    return std::nullopt;
  };
  EXPECT_EQ(rewrite_resource_json(*doc, doc->root(), options),
            R"({"resourceType":"Observation","valueQuantity":{"value":1.50},"subject":{"reference":"Patient/k#0"},)"
            R"("note":[{"text":"reference"}],"hasMember":[{"reference":"Observation/2"}],"x":[null,false]})");
}

}  // namespace
}  // namespace medgw::fhir

// The interaction record the FHIR server enqueues: written and read back unchanged; malformed
// records refused.
#include "mappings/fhir/interaction.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

Interaction sample() {
  Interaction in;
  in.kind = InteractionKind::kUpdate;
  in.client = "lis-1";
  in.type = "Observation";
  in.id = "17";
  in.if_match = 3;
  in.key = "0b6f3c7e-8a43-4b3e-9d5c-1f2e3d4c5b6a";
  in.body = "{\"resourceType\":\"Observation\",\"note\":[{\"text\":\"a \\\"quoted\\\" \xE4\xB8\xAD\"}]}";
  return in;
}

TEST(Interaction, RoundTrip) {
  const Interaction in = sample();
  const std::string json = interaction_json(in);
  EXPECT_EQ(json.substr(0, 72), R"({"interaction":"update","client":"lis-1","type":"Observation","id":"17",)");
  auto back = parse_interaction(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, in);
}

TEST(Interaction, CreateWithoutIdOrIfMatch) {
  Interaction in = sample();
  in.kind = InteractionKind::kCreate;
  in.id.clear();
  in.if_match.reset();
  const std::string json = interaction_json(in);
  EXPECT_EQ(json.find("\"id\""), std::string::npos);
  EXPECT_EQ(json.find("ifMatch"), std::string::npos);
  auto back = parse_interaction(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, in);
}

TEST(Interaction, ExampleFromTheContract) {
  auto in = parse_interaction(
      R"({"interaction":"transaction","client":"his","type":"Bundle","key":"k1","bodyContentType":"application/fhir+json","body":"{}"})");
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->kind, InteractionKind::kTransaction);
  EXPECT_EQ(in->body, "{}");
}

TEST(Interaction, MalformedRecordsAreRefused) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"interaction":"delete","client":"c","type":"Patient","key":"k","body":"{}"})",
      R"({"interaction":"create","client":"c","type":"Patient","body":"{}"})",
      R"({"interaction":"create","client":"c","type":"Patient","key":"k"})",
      R"({"interaction":"update","client":"c","type":"Patient","key":"k","body":"{}"})",
      R"({"interaction":"update","client":"c","type":"Patient","id":"1","ifMatch":"3","key":"k","body":"{}"})",
      R"({"interaction":"create","client":"c","type":"Patient","key":"k","body":{}})",
      R"({"interaction":"create","client":"c","type":"Patient","key":"k","body":"{}","extra":1})",
  };
  for (const char* raw : bad) {
    auto in = parse_interaction(raw);
    EXPECT_FALSE(in.has_value()) << raw;
    if (!in) {
      EXPECT_FALSE(in.error().empty());
    }
  }
}

}  // namespace
}  // namespace medgw::fhir

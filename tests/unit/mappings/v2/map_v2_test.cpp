// Focused rules of the v2 mapping that the golden files show only in passing.
#include <gtest/gtest.h>

#include <string>

#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/observation.hpp"
#include "tests/unit/mappings/v2/v2_test_support.hpp"

namespace medgw::v2 {
namespace {

// Parses segments joined with CR and maps them; the message must parse.
Expected<model::ChangeSet, MappingError> map(const std::string& text) {
  static std::string keep;  // the message views its input
  keep = text;
  auto msg = hl7v2::Message::parse(keep);
  EXPECT_TRUE(msg) << msg.error().describe();
  return map_v2(*msg);
}

const std::string kMsh = "MSH|^~\\&|LIS|HOSP|MEDGW|CRM|20240302101500+0800||";
const std::string kPid = "PID|1||P77^^^HOSP^MR||Secret^Name||19800229|F\r";

std::string oru(const std::string& obx) {
  return kMsh + "ORU^R01|C1|P|2.5.1\r" + kPid + "OBR|1||F1|1^Panel^L\r" + obx + "\r";
}

TEST(MapV2, UnsupportedTypeNamesTheType) {
  auto r = map(kMsh + "ADT^A06|C1|P|2.5\r" + kPid + "PV1|1|I\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, MappingError::kUnsupported);
  EXPECT_EQ(r.error().reason, "ADT^A06: no mapping for this event");
  r = map(kMsh + "QRY^A19|C1|P|2.5\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "MSH-9: no mapping for message type QRY^A19");
}

// The MLLP session refuses by coverage() what map_v2 would park: the two must agree, or a sender
// gets AR for a message medgw maps (or AA for one it parks).
TEST(MapV2, CoverageAgreesWithTheMapping) {
  struct Case {
    std::string code, event;
    Coverage expected;
  };
  const Case cases[] = {
      {"ADT", "A01", Coverage::kMapped},       {"ADT", "A04", Coverage::kMapped},
      {"ADT", "A08", Coverage::kMapped},       {"ADT", "A31", Coverage::kMapped},
      {"ADT", "A40", Coverage::kMapped},       {"ADT", "A34", Coverage::kMapped},
      {"ADT", "A06", Coverage::kUnknownEvent}, {"ADT", "A17", Coverage::kUnknownEvent},
      {"ADT", "", Coverage::kUnknownEvent},    {"ORU", "R01", Coverage::kMapped},
      {"ORU", "R30", Coverage::kUnknownEvent}, {"MDM", "T02", Coverage::kMapped},
      {"MDM", "T10", Coverage::kMapped},       {"MDM", "T01", Coverage::kUnknownEvent},
      {"ORM", "O01", Coverage::kMapped},       {"OML", "O21", Coverage::kMapped},
      {"OML", "O33", Coverage::kUnknownEvent}, {"XYZ", "Q99", Coverage::kUnknownType},
      {"QRY", "A19", Coverage::kUnknownType},  {"SIU", "S12", Coverage::kUnknownType},
      {"adt", "A01", Coverage::kUnknownType},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code + "^" + c.event);
    EXPECT_EQ(coverage(c.code, c.event), c.expected);
    // A message of the type with just enough in it for every family.
    auto r = map(kMsh + c.code + "^" + c.event + "|C1|P|2.5.1\r" + kPid + "MRG|P1^^^HOSP^MR\rPV1|1|I\r" +
                 "ORC|NW|PL1\rOBR|1|PL1|F1|1^Panel^L\rOBX|1|ST|1^Item^L||x||||||F\r" +
                 "TXA|1|DS|TX|||||||||D1\r");
    const bool unsupported = !r && r.error().kind == MappingError::kUnsupported;
    EXPECT_EQ(unsupported, c.expected != Coverage::kMapped) << (r ? std::string("mapped") : r.error().reason);
  }
}

TEST(MapV2, ReasonsNeverCarryPatientData) {
  auto r = map(oru("OBX|1|Secret|3^X^L||P77 Secret||||||F"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, MappingError::kInvalid);
  EXPECT_EQ(r.error().reason, "OBX[1]-2: unknown value type 'Secret'");
  // A long or binary type is cut and masked.
  r = map(oru("OBX|1|P77 Secret Name|3^X^L||1||||||F"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "OBX[1]-2: unknown value type 'P77?Secr...'");
}

TEST(MapV2, MissingPidOrIdentifierIsInvalid) {
  auto r = map(kMsh + "ADT^A01|C1|P|2.5\rEVN|A01\rPV1|1|I\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "PID: segment missing");
  r = map(kMsh + "ADT^A01|C1|P|2.5\rPID|1||^^^HOSP^MR||A^B\rPV1|1|I\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "PID[1]-3: no patient identifier");
}

TEST(MapV2, PersonEventsMakeNoEncounter) {
  auto r = map(kMsh + "ADT^A28|C1|P|2.5\r" + kPid + "PV1|1|N\r");
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(r->encounters.empty());
  ASSERT_TRUE(r->patient);
  EXPECT_EQ(r->patient->patient.gender, "female");
  EXPECT_EQ(r->sender, "LIS^HOSP");
}

TEST(MapV2, EncounterWithoutVisitNumberIsKeyedByControlId) {
  auto r = map(kMsh + "ADT^A04|C9|P|2.5\r" + kPid + "PV1|1|O\r");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->encounters.size(), 1u);
  EXPECT_EQ(r->encounters[0].key, "C9");
  EXPECT_EQ(r->encounters[0].resource.status, "arrived");
  EXPECT_EQ(r->encounters[0].resource.class_.code, "AMB");
}

TEST(MapV2, NumericValues) {
  auto r = map(oru("OBX|1|NM|3^X^L||007.50|mg^^UCUM|||||F"));
  ASSERT_TRUE(r);
  const auto& q = std::get<model::Quantity>(r->observations.at(0).resource.value);
  EXPECT_EQ(q.value.text, "7.50");
  EXPECT_EQ(q.code, "mg");
  EXPECT_EQ(q.system, "http://unitsofmeasure.org");

  r = map(oru("OBX|1|NM|3^X^L||>=10|mg|||||F"));
  ASSERT_TRUE(r);
  const auto& q2 = std::get<model::Quantity>(r->observations.at(0).resource.value);
  EXPECT_EQ(q2.comparator, ">=");
  EXPECT_EQ(q2.code, "");  // not UCUM: unit text only
  EXPECT_EQ(q2.unit, "mg");
  EXPECT_EQ(r->warnings, std::vector<std::string>{"OBX[1]-5: NM value with a comparator; mapped as SN"});

  r = map(oru("OBX|1|NM|3^X^L||positive|mg|||||F"));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<std::string>(r->observations.at(0).resource.value), "positive");
  EXPECT_EQ(r->warnings, std::vector<std::string>{"OBX[1]-5: NM value is not a number; kept as valueString"});
}

TEST(MapV2, StructuredNumericPerTheIg) {
  auto r = map(oru("OBX|1|SN|3^X^L||>^10|mg^^UCUM|||||F"));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<model::Quantity>(r->observations.at(0).resource.value).comparator, ">");
  r = map(oru("OBX|1|SN|3^X^L||^2^+||||||F"));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<std::string>(r->observations.at(0).resource.value), "2 +");
  r = map(oru("OBX|1|SN|3^X^L||^1^/^64||||||F"));
  ASSERT_TRUE(r);
  const auto& ratio = std::get<model::Ratio>(r->observations.at(0).resource.value);
  EXPECT_EQ(ratio.numerator->value.text, "1");
  EXPECT_EQ(ratio.denominator->value.text, "64");
}

TEST(MapV2, ReferenceRanges) {
  model::Quantity unit{{}, "", "mmol/L", "http://unitsofmeasure.org", "mmol/L"};
  auto rr = reference_range("3.5-5.1", unit);
  EXPECT_EQ(rr.low->value.text, "3.5");
  EXPECT_EQ(rr.high->value.text, "5.1");
  EXPECT_EQ(rr.high->code, "mmol/L");
  rr = reference_range("-2--1", unit);
  EXPECT_EQ(rr.low->value.text, "-2");
  EXPECT_EQ(rr.high->value.text, "-1");
  rr = reference_range("3.5--5.1", unit);
  EXPECT_EQ(rr.low->value.text, "3.5");
  EXPECT_EQ(rr.high->value.text, "5.1");
  rr = reference_range(" 3.5 ~ 5.1 ", unit);
  EXPECT_EQ(rr.low->value.text, "3.5");
  rr = reference_range("<5", unit);
  EXPECT_FALSE(rr.low);
  EXPECT_EQ(rr.high->value.text, "5");
  rr = reference_range(">=10", unit);
  EXPECT_EQ(rr.low->value.text, "10");
  rr = reference_range("negative", unit);
  EXPECT_FALSE(rr.low);
  EXPECT_FALSE(rr.high);
  EXPECT_EQ(rr.text, "negative");
}

TEST(MapV2, DuplicateObservationKeysAreSuffixed) {
  auto r = map(oru("OBX|1|NM|3^X^L||1||||||F\rOBX|2|NM|3^X^L||2||||||F"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->observations.size(), 2u);
  EXPECT_EQ(r->observations[0].key, "F1|3|");
  EXPECT_EQ(r->observations[1].key, "F1|3|#2");
  EXPECT_EQ(r->reports[0].resource.result[1].reference, "Observation/F1|3|#2");
}

TEST(MapV2, SecondPatientIsUnsupported) {
  auto r = map(oru("OBX|1|NM|3^X^L||1||||||F\rPID|2||Q88^^^HOSP^MR\rOBR|2||F2|1^Panel^L"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, MappingError::kUnsupported);
  EXPECT_EQ(r.error().reason, "PID[2]: a second patient in one ORU^R01; one patient per message is supported");
}

TEST(MapV2, TimesWithoutZoneTakeTheHeadersZone) {
  auto r = map(kMsh + "ADT^A01|C1|P|2.5\rEVN|A01|202403020800\r" + kPid + "PV1|1|I\r");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->event_time, "2024-03-02T08:00:00+08:00");
}

TEST(MapV2, MergeNeedsAnMrgPerPid) {
  auto r = map(kMsh + "ADT^A40|C1|P|2.5\rEVN|A40\r" + kPid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "PID[1]: no MRG follows this PID");
  r = map(kMsh + "ADT^A34|C1|P|2.5\rEVN|A34\r" + kPid + "MRG|\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "MRG[1]-1: no prior patient identifier");
}

TEST(MapV2, OrdersNeedANumber) {
  auto r = map(kMsh + "ORM^O01|C1|P|2.3\r" + kPid + "ORC|NW\rOBR|1|||1^X^L\r");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "ORC[1]: no placer or filler order number (ORC-2/3, OBR-2/3)");
}

TEST(MapV2, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace medgw::v2

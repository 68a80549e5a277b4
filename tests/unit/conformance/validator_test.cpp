// The validator against the shipped profiles: a correct message of each kind has no findings, and
// each deliberately wrong one produces exactly the findings a vendor must see (rule, location,
// severity, actual value).
#include "conformance/validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace medgw::conformance {
namespace {

using namespace std::chrono;

const ProfileSet& medgw_profiles() {
  static const ProfileSet set = [] {
    auto s = load_profile_set(MEDGW_CONFORMANCE_DIR "/profiles/medgw");
    if (!s) ADD_FAILURE() << s.error();
    return s ? std::move(*s) : ProfileSet{};
  }();
  return set;
}

const ProfileSet& cn_profiles() {
  static const ProfileSet set = [] {
    auto s = load_profile_set(MEDGW_CONFORMANCE_DIR "/profiles/cn-his");
    if (!s) ADD_FAILURE() << s.error();
    return s ? std::move(*s) : ProfileSet{};
  }();
  return set;
}

ValidateOptions options() { return {year_month_day{year{2026}, December, day{2}}}; }

// Synthetic test data only: the resident identity numbers are made up with valid checksums.
std::string adt_a04(const std::string& pid) {
  return "MSH|^~\\&|HIS|CNHOSP|MEDGW|CNHOSP|20261202101500||ADT^A04^ADT_A01|MSG0001|P|2.5.1|||||CHN|UNICODE UTF-8\r"
         "EVN|A04|20261202101500\r" +
         pid +
         "\r"
         "PV1|1|O\r";
}

const std::string kGoodPid = "PID|1||BLH000123^^^BLH^MR~440304198001011239^^^SFZH^NI||测试^患者||19800101|M";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// "rule@location=actual" per finding, the exact list a test expects.
std::vector<std::string> summary(const CaseResult& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.findings) {
    out.push_back(std::string(to_string(f.severity)) + " " + f.rule + "@" + f.location.to_string() +
                  (f.actual.empty() ? "" : "=" + f.actual));
  }
  return out;
}

using Lines = std::vector<std::string>;

TEST(Validator, CorrectRegistrationHasNoFindings) {
  const CaseResult r = validate_message(cn_profiles(), adt_a04(kGoodPid), options());
  EXPECT_EQ(summary(r), Lines{});
  EXPECT_EQ(r.profile, "medgw-ADT-A04");
  EXPECT_EQ(r.control_id, "MSG0001");
  EXPECT_EQ(r.message_type, "ADT^A04");
  EXPECT_TRUE(r.passed());
}

TEST(Validator, MissingRequiredFieldIsReportedWhereItBelongs) {
  const std::string pid = "PID|1||BLH000123^^^BLH^MR||||19800101|M";
  const CaseResult r = validate_message(medgw_profiles(), adt_a04(pid), options());
  EXPECT_EQ(summary(r), Lines{"error usage.required@PID[1]-5"});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].hl7_error_code, 101);
  EXPECT_EQ(r.findings[0].location.line, 3u);
  EXPECT_FALSE(r.passed());
}

TEST(Validator, WrongDataTypeNamesTheComponentAndValue) {
  const CaseResult r = validate_message(medgw_profiles(), adt_a04(replace(kGoodPid, "||19800101|", "||1980-01-01|")), options());
  EXPECT_EQ(summary(r), Lines{"error datatype.DTM@PID[1]-7.1=1980-01-01"});
  EXPECT_EQ(r.findings.at(0).hl7_error_code, 102);
}

TEST(Validator, ValueOutsideItsSet) {
  const CaseResult r = validate_message(medgw_profiles(), adt_a04(replace(kGoodPid, "|M", "|X")), options());
  EXPECT_EQ(summary(r), Lines{"error value-set@PID[1]-8=X"});
  EXPECT_EQ(r.findings.at(0).hl7_error_code, 103);
}

TEST(Validator, SiteCodeIsAWarningAtTheSiteAndAnErrorElsewhere) {
  const std::string msg = adt_a04(replace(kGoodPid, "|M", "|1"));
  EXPECT_EQ(summary(validate_message(cn_profiles(), msg, options())), Lines{"warning value-set.site@PID[1]-8=1"});
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{"error value-set@PID[1]-8=1"});
}

TEST(Validator, BadNationalIdChecksum) {
  const std::string msg = adt_a04(replace(kGoodPid, "440304198001011239", "440304198001011238"));
  EXPECT_EQ(summary(validate_message(cn_profiles(), msg, options())),
            Lines{"error national-id.bad-checksum@PID[1]-3[2].1=440304198001011238"});
  // The base profile has no national ID rule.
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{});
}

TEST(Validator, NationalIdFoundByIdentifierTypeAndLegacyFormWarned) {
  const std::string msg = adt_a04("PID|1||BLH000123^^^BLH^MR~440304800101123^^^^NI||测试^患者||19800101|M");
  EXPECT_EQ(summary(validate_message(cn_profiles(), msg, options())),
            Lines{"warning national-id.legacy-15-digit@PID[1]-3[2].1=440304800101123"});
}

TEST(Validator, MissingRequiredSegmentAndStraySegments) {
  std::string msg = adt_a04(kGoodPid);
  msg = replace(msg, "PV1|1|O\r", "ZPI|1|extra\rOBR|1\r");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())),
            (Lines{"warning segment.z-segment@ZPI[1]", "error segment.unexpected@OBR[1]", "error segment.missing@PV1"}));
}

TEST(Validator, SegmentOutOfOrder) {
  // EVN after PID: PID is taken, then EVN has no place any more.
  std::string msg = "MSH|^~\\&|HIS|CNHOSP|MEDGW|CNHOSP|20261202101500||ADT^A08^ADT_A01|MSG0002|P|2.5.1\r" + kGoodPid +
                    "\rEVN|A08|20261202101500\rPV1|1|O\r";
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())),
            (Lines{"error segment.missing@EVN", "error segment.order@EVN[1]"}));
}

const std::string kOru =
    "MSH|^~\\&|LIS|CNHOSP|MEDGW|CNHOSP|20261202101500||ORU^R01^ORU_R01|LAB0001|P|2.5.1\r"
    "PID|1||BLH000123^^^BLH^MR||测试^患者||19800101|F\r"
    "OBR|1|ORD1|LAB1|GLU^葡萄糖^L|||20261202090000||||||||||||||20261202100000|||F\r"
    "OBX|1|NM|GLU^葡萄糖^L||5.6|mmol/L|3.9-6.1|N|||F|||20261202090000\r"
    "NTE|1||fasting\r"
    "OBX|2|NM|K^钾^L||4.1|mmol/L|3.5-5.3||||F\r";

TEST(Validator, LabResultsWithGroupsHaveNoFindings) {
  EXPECT_EQ(summary(validate_message(medgw_profiles(), kOru, options())), Lines{});
}

TEST(Validator, NumericResultMustBeANumber) {
  const std::string msg = replace(kOru, "||5.6|", "||5,6|");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{"error datatype.NM@OBX[1]-5[1]=5,6"});
}

TEST(Validator, ResultStatusRequiredAndAbnormalFlagFromTable) {
  std::string msg = replace(kOru, "|N|||F|||", "|Q||||||");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())),
            (Lines{"error value-set@OBX[1]-8[1]=Q", "error usage.required@OBX[1]-11"}));
}

TEST(Validator, ObservationBeforeItsRequestIsOutOfPlace) {
  // An OBX before any OBR: the ORDER_OBSERVATION group cannot start with it.
  const std::string msg = replace(kOru, "OBR|", "OBX|9|NM|X^x^L||1||||||F\rOBR|");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{"error segment.order@OBX[1]"});
}

TEST(Validator, ValueTooLong) {
  const std::string msg = replace(adt_a04(kGoodPid), "|MSG0001|", "|MSG0001234567890123456|");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{"error length@MSH[1]-10=MSG0001234567890123456"});
}

TEST(Validator, TooManyRepetitions) {
  const std::string msg = replace(adt_a04(kGoodPid), "|O\r", "|O~I\r");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())), Lines{"error cardinality.max@PV1[1]-2=O~I"});
}

TEST(Validator, UnknownMessageTypeAndUnparseableInput) {
  const std::string msg = replace(adt_a04(kGoodPid), "ADT^A04^ADT_A01", "SIU^S12^SIU_S12");
  EXPECT_EQ(summary(validate_message(medgw_profiles(), msg, options())),
            Lines{"error profile.unsupported-message-type@MSH[1]-9.1=SIU^S12"});
  const std::string event = replace(adt_a04(kGoodPid), "ADT^A04^ADT_A01", "ADT^A05^ADT_A05");
  const CaseResult e = validate_message(medgw_profiles(), event, options());
  EXPECT_EQ(summary(e), Lines{"error profile.unsupported-event@MSH[1]-9.2=ADT^A05"});
  EXPECT_EQ(e.findings.at(0).hl7_error_code, 201);
  const CaseResult bad = validate_message(medgw_profiles(), "PID|1||x\r", options());
  ASSERT_EQ(bad.findings.size(), 1u);
  EXPECT_EQ(bad.findings[0].rule, "parse.no-header");
}

TEST(Validator, SiteDefaultCharsetDecodesGbkWithoutMsh18) {
  // "测试" in GBK: B2 E2 CA D4. Without MSH-18 the cn-his site reads GBK; the base profile set
  // reads UTF-8 and the bytes do not parse.
  std::string msg = replace(adt_a04(kGoodPid), "|CHN|UNICODE UTF-8", "");
  msg = replace(msg, "测试", "\xB2\xE2\xCA\xD4");
  msg = replace(msg, "患者", "\xBB\xBC\xD5\xDF");
  EXPECT_EQ(summary(validate_message(cn_profiles(), msg, options())), Lines{});
  const CaseResult base = validate_message(medgw_profiles(), msg, options());
  ASSERT_EQ(base.findings.size(), 1u);
  EXPECT_EQ(base.findings[0].rule, "parse.invalid-encoding");
}

TEST(Validator, NonStandardCharsetNameIsAWarningAtTheSite) {
  const std::string msg = replace(adt_a04(kGoodPid), "|UNICODE UTF-8", "|UTF-8");
  EXPECT_EQ(summary(validate_message(cn_profiles(), msg, options())), Lines{"warning value-set.site@MSH[1]-18[1]=UTF-8"});
}

}  // namespace
}  // namespace medgw::conformance

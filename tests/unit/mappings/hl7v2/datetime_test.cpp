// DTM/TS (datetime.hpp): every precision, time zones, invalid dates, and ISO 8601 as FHIR
// writes it.
#include <gtest/gtest.h>

#include <string>

#include "mappings/hl7v2/datetime.hpp"

namespace medgw::hl7v2 {
namespace {

DateTime dtm(std::string_view text) {
  auto d = parse_datetime(text);
  EXPECT_TRUE(d) << d.error();
  return d ? *d : DateTime{};
}

std::string dtm_error(std::string_view text) {
  auto d = parse_datetime(text);
  EXPECT_FALSE(d) << "'" << text << "' should not parse";
  return d ? std::string{} : d.error();
}

struct PrecisionCase {
  const char* text;
  DateTimePrecision precision;
  const char* iso;  // without an assumed zone
};
void PrintTo(const PrecisionCase& c, std::ostream* os) { *os << c.text; }

class Precision : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(Precision, IsKeptAndWrittenAsFhirDoes) {
  const PrecisionCase& c = GetParam();
  DateTime d = dtm(c.text);
  EXPECT_EQ(d.precision, c.precision) << c.text;
  EXPECT_EQ(d.to_iso8601(), c.iso) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    DateTime, Precision,
    ::testing::Values(PrecisionCase{"2015", DateTimePrecision::kYear, "2015"},
                      PrecisionCase{"201509", DateTimePrecision::kMonth, "2015-09"},
                      PrecisionCase{"20150926", DateTimePrecision::kDay, "2015-09-26"},
                      PrecisionCase{"2015092614", DateTimePrecision::kHour, "2015-09-26T14:00:00"},
                      PrecisionCase{"201509261405", DateTimePrecision::kMinute, "2015-09-26T14:05:00"},
                      PrecisionCase{"20150926140551", DateTimePrecision::kSecond, "2015-09-26T14:05:51"},
                      PrecisionCase{"20150926140551.1", DateTimePrecision::kFraction, "2015-09-26T14:05:51.1"},
                      PrecisionCase{"20150926140551.1234", DateTimePrecision::kFraction, "2015-09-26T14:05:51.1234"}));

TEST(DateTime, ReadsEveryPart) {
  DateTime d = dtm("20240229235958.0507+0800");
  EXPECT_EQ(d.year, 2024);
  EXPECT_EQ(d.month, 2);
  EXPECT_EQ(d.day, 29);
  EXPECT_EQ(d.hour, 23);
  EXPECT_EQ(d.minute, 59);
  EXPECT_EQ(d.second, 58);
  EXPECT_EQ(d.fraction, "0507");
  EXPECT_EQ(d.precision, DateTimePrecision::kFraction);
  ASSERT_TRUE(d.offset_minutes);
  EXPECT_EQ(*d.offset_minutes, 480);
}

TEST(DateTime, ReadsTimeZones) {
  EXPECT_EQ(*dtm("20240512103000+0800").offset_minutes, 480);
  EXPECT_EQ(*dtm("20240512103000-0500").offset_minutes, -300);
  EXPECT_EQ(*dtm("202405121030-0330").offset_minutes, -210);
  EXPECT_EQ(*dtm("2024051210+0000").offset_minutes, 0);
  EXPECT_EQ(*dtm("20240512103000.25+0545").offset_minutes, 345);
  EXPECT_FALSE(dtm("20240512103000").offset_minutes);
}

TEST(DateTime, WritesTheSentZoneOrTheAssumedOne) {
  EXPECT_EQ(dtm("20240512103000+0800").to_iso8601(), "2024-05-12T10:30:00+08:00");
  EXPECT_EQ(dtm("20240512103000-0330").to_iso8601(), "2024-05-12T10:30:00-03:30");
  EXPECT_EQ(dtm("20240512103000+0000").to_iso8601(), "2024-05-12T10:30:00+00:00");
  EXPECT_EQ(dtm("20240512103000.123+0800").to_iso8601(), "2024-05-12T10:30:00.123+08:00");
  // A value without a zone takes the site's zone when one is given, and only then.
  EXPECT_EQ(dtm("20240512103000").to_iso8601(480), "2024-05-12T10:30:00+08:00");
  EXPECT_EQ(dtm("202405121030").to_iso8601(-300), "2024-05-12T10:30:00-05:00");
  EXPECT_EQ(dtm("20240512103000").to_iso8601(), "2024-05-12T10:30:00");
  // A zone that was sent wins over the assumed one.
  EXPECT_EQ(dtm("20240512103000-0500").to_iso8601(480), "2024-05-12T10:30:00-05:00");
  // Dates have no time, so no zone.
  EXPECT_EQ(dtm("20240512").to_iso8601(480), "2024-05-12");
  EXPECT_EQ(dtm("202405").to_iso8601(480), "2024-05");
}

TEST(DateTime, AcceptsLeapDaysOnlyInLeapYears) {
  EXPECT_EQ(dtm("20240229").day, 29);
  EXPECT_EQ(dtm("20000229").day, 29);
  dtm_error("20230229");
  dtm_error("19000229");
}

TEST(DateTime, RejectsImpossibleDatesAndTimesWithASentence) {
  EXPECT_NE(dtm_error("20240230").find("day out of range"), std::string::npos);
  EXPECT_NE(dtm_error("20240431").find("day out of range"), std::string::npos);
  EXPECT_NE(dtm_error("20240132").find("day out of range"), std::string::npos);
  EXPECT_NE(dtm_error("20240100").find("day out of range"), std::string::npos);
  EXPECT_NE(dtm_error("202413").find("month out of range"), std::string::npos);
  EXPECT_NE(dtm_error("202400").find("month out of range"), std::string::npos);
  EXPECT_NE(dtm_error("2024051224").find("hour out of range"), std::string::npos);
  EXPECT_NE(dtm_error("202405121060").find("minute out of range"), std::string::npos);
  EXPECT_NE(dtm_error("20240512103060").find("second out of range"), std::string::npos);
  // The sentence quotes the value so the operator sees what was sent.
  EXPECT_EQ(dtm_error("20240230").rfind("date/time '20240230': ", 0), 0u);
}

TEST(DateTime, RejectsMalformedText) {
  for (const char* bad : {"", "24", "202", "20240", "2024051", "202405121", "2024-05-12", "2024/05/12",
                          "20240512 103000", " 20240512", "20240512 ", "2024051210300", "202405121030001",
                          "20240512T103000", "abcd"}) {
    dtm_error(bad);
  }
}

TEST(DateTime, RejectsMalformedFractionsAndZones) {
  dtm_error("202405121030.5");        // a fraction needs seconds
  dtm_error("20240512103000.");       // no digits
  dtm_error("20240512103000.1234567890");  // more than 9 digits
  dtm_error("20240512103000.12a");
  dtm_error("20240512103000+08");     // +HHMM only
  dtm_error("20240512103000+08:00");
  dtm_error("20240512103000+1500");   // beyond +14:00
  dtm_error("20240512103000+0860");
  dtm_error("20240512103000+0800+0800");
}

}  // namespace
}  // namespace medgw::hl7v2

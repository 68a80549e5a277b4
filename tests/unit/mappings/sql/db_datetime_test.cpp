// Database timestamps as ODBC renders them -> FHIR dateTime / date (db_datetime.hpp).
#include "mappings/sql/db_datetime.hpp"

#include <gtest/gtest.h>

namespace medgw::sql {
namespace {

TEST(DbDateTime, LocalTimestampsTakeTheSourceZone) {
  EXPECT_EQ(fhir_date_time("2024-05-01 08:30:00", "+08:00"), "2024-05-01T08:30:00+08:00");
  EXPECT_EQ(fhir_date_time("2024-05-01 08:30:00.25", "+08:00"), "2024-05-01T08:30:00.25+08:00");
  EXPECT_EQ(fhir_date_time("2024-05-01T08:30", "+08:00"), "2024-05-01T08:30:00+08:00");
  EXPECT_EQ(fhir_date_time(" 20240501083005 ", "-05:00"), "2024-05-01T08:30:05-05:00");
  EXPECT_EQ(fhir_date_time("202405010830", "Z"), "2024-05-01T08:30:00Z");
}

TEST(DbDateTime, AZoneInTheValueWins) {
  EXPECT_EQ(fhir_date_time("2024-05-01 08:30:00+08", "Z"), "2024-05-01T08:30:00+08:00");  // PostgreSQL timestamptz
  EXPECT_EQ(fhir_date_time("2024-05-01 08:30:00-0530", "+08:00"), "2024-05-01T08:30:00-05:30");
  EXPECT_EQ(fhir_date_time("2024-05-01T00:30:00Z", "+08:00"), "2024-05-01T00:30:00Z");
}

TEST(DbDateTime, ADateAloneNeedsNoZone) {
  EXPECT_EQ(fhir_date_time("2024-05-01", ""), "2024-05-01");
  EXPECT_EQ(fhir_date_time("20240501", ""), "2024-05-01");
  EXPECT_EQ(fhir_date_time("2024-05-01 08:30:00", ""), std::nullopt);  // a time without any zone
}

TEST(DbDateTime, NotATimestamp) {
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-05-01 25:00:00", "2024-05-01 08:30:00 PM", "2024/05/01",
                          "2024-05-01 08:30:00+8", "2024-05-01 08:30:00."}) {
    EXPECT_EQ(fhir_date_time(bad, "+08:00"), std::nullopt) << bad;
  }
}

TEST(DbDate, BirthDates) {
  EXPECT_EQ(fhir_date("1980-02-29"), "1980-02-29");
  EXPECT_EQ(fhir_date("1980-02-29 00:00:00"), "1980-02-29");
  EXPECT_EQ(fhir_date("19800229"), "1980-02-29");
  EXPECT_EQ(fhir_date("19800229000000"), "1980-02-29");
  EXPECT_EQ(fhir_date("29/02/1980"), std::nullopt);
}

}  // namespace
}  // namespace medgw::sql

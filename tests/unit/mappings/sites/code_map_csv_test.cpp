// Code map CSV reading (code_map_csv.hpp): RFC 4180 as spreadsheets write it, errors by line.
#include "mappings/sites/code_map_csv.hpp"

#include <gtest/gtest.h>

namespace medgw::sites {
namespace {

const std::string kHeader = "source_system,source_code,target_system,target_code,target_display\n";

TEST(CodeMapCsv, ReadsRowsWithTheirLines) {
  auto rows = parse_code_map_csv(kHeader + "LIS,GLU,http://loinc.org,14749-6,Glucose\n\nLIS,ALT,http://loinc.org,1742-6,ALT\n",
                                 "m.csv");
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].line, 2u);
  EXPECT_EQ((*rows)[0].source_system, "LIS");
  EXPECT_EQ((*rows)[0].source_code, "GLU");
  EXPECT_EQ((*rows)[0].target_system, "http://loinc.org");
  EXPECT_EQ((*rows)[0].target_code, "14749-6");
  EXPECT_EQ((*rows)[0].target_display, "Glucose");
  EXPECT_EQ((*rows)[1].line, 4u);
}

TEST(CodeMapCsv, HandlesBomCrlfQuotesAndEmptySourceSystem) {
  auto rows = parse_code_map_csv(
      "\xEF\xBB\xBFsource_system,source_code,target_system,target_code,target_display\r\n"
      ",GLU,http://loinc.org,14749-6,\"Glucose [Moles/volume] in Serum, \"\"fasting\"\"\"\r\n"
      "LIS, \"HDL-C\" ,http://loinc.org,14646-4,\"two\nlines\"\r\n"
      "LIS,X,http://loinc.org,1,last line without newline",
      "m.csv");
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].source_system, "");
  EXPECT_EQ((*rows)[0].target_display, "Glucose [Moles/volume] in Serum, \"fasting\"");
  EXPECT_EQ((*rows)[1].source_code, "HDL-C");
  EXPECT_EQ((*rows)[1].target_display, "two\nlines");
  EXPECT_EQ((*rows)[2].line, 5u);  // the quoted newline counted
  EXPECT_EQ((*rows)[2].target_display, "last line without newline");
}

struct BadCsv {
  const char* name;
  std::string text;
  const char* error;
};
void PrintTo(const BadCsv& c, std::ostream* os) { *os << c.name; }

class BadCodeMaps : public ::testing::TestWithParam<BadCsv> {};

TEST_P(BadCodeMaps, AreRejectedNamingFileAndLine) {
  auto rows = parse_code_map_csv(GetParam().text, "m.csv");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    CodeMapCsv, BadCodeMaps,
    ::testing::Values(
        BadCsv{"Empty", "", "m.csv:1: empty file (expected the header line)"},
        BadCsv{"WrongHeader", "code,loinc\nGLU,14749-6\n",
               "m.csv:1: the first line must be source_system,source_code,target_system,target_code,target_display"},
        BadCsv{"TooFewFields", kHeader + "LIS,GLU,http://loinc.org,14749-6,Glucose\nLIS,ALT,http://loinc.org\n",
               "m.csv:3: expected 5 fields, found 3"},
        BadCsv{"TooManyFields", kHeader + "LIS,GLU,http://loinc.org,14749-6,Glucose,extra\n",
               "m.csv:2: expected 5 fields, found 6"},
        BadCsv{"NoSourceCode", kHeader + "LIS,,http://loinc.org,14749-6,Glucose\n", "m.csv:2: source_code is empty"},
        BadCsv{"NoTargetSystem", kHeader + "LIS,GLU,,14749-6,Glucose\n", "m.csv:2: target_system is empty"},
        BadCsv{"TargetSystemNotUri", kHeader + "LIS,GLU,LOINC,14749-6,Glucose\n",
               "m.csv:2: target_system 'LOINC' is not a URI (http://loinc.org, urn:oid:...)"},
        BadCsv{"NoTargetCode", kHeader + "LIS,GLU,http://loinc.org,,Glucose\n", "m.csv:2: target_code is empty"},
        BadCsv{"UnterminatedQuote", kHeader + "LIS,GLU,http://loinc.org,14749-6,\"Glucose\n",
               "m.csv:2: unterminated quoted field"},
        BadCsv{"TextAfterQuote", kHeader + "LIS,\"GLU\"x,http://loinc.org,14749-6,Glucose\n",
               "m.csv:2: text after a closing quote"}));

TEST(CodeMapCsv, MissingFileIsAnError) {
  auto rows = read_code_map_csv("/nonexistent/m.csv");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error(), "cannot read code map '/nonexistent/m.csv'");
}

}  // namespace
}  // namespace medgw::sites

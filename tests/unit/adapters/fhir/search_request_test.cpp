#include "adapters/fhir/search_request.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(SearchRequest, ResultParametersAreTakenAndTheRestPassedOn) {
  auto q = parse_search("Observation", Query{{"patient", "3"},
                                             {"date", "ge2020-01-01"},
                                             {"date", "lt2021"},
                                             {"code", "http://loinc.org|2093-3,http://loinc.org|2085-9"},
                                             {"_count", "20"},
                                             {"_sort", "-date"},
                                             {"_total", "accurate"},
                                             {"_format", "json"},
                                             {"_cursor", "abc"}});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->count, 20u);
  EXPECT_EQ(q->sort, "-date");
  EXPECT_TRUE(q->total);
  EXPECT_EQ(q->cursor, "abc");
  ASSERT_EQ(q->params.size(), 4u);
  EXPECT_EQ(q->params[1].name, "date");
  EXPECT_EQ(q->params[2].values, (std::vector<std::string>{"lt2021"}));
  EXPECT_EQ(q->params[3].values, (std::vector<std::string>{"http://loinc.org|2093-3", "http://loinc.org|2085-9"}));
}

TEST(SearchRequest, ModifiersAndEmptyValues) {
  auto q = parse_search("Observation", Query{{"subject:Patient", "3"}, {"status", ""}});
  ASSERT_TRUE(q);
  ASSERT_EQ(q->params.size(), 1u);  // a parameter without a value is ignored (FHIR)
  EXPECT_EQ(q->params[0].name, "subject");
  EXPECT_EQ(q->params[0].modifier, "Patient");
}

TEST(SearchRequest, BadResultParametersNameThemselves) {
  auto count = parse_search("Patient", Query{{"_count", "ten"}});
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error().parameter, "_count");
  auto include = parse_search("Observation", Query{{"_include", "DiagnosticReport:result"}});
  ASSERT_FALSE(include);
  EXPECT_EQ(include.error().parameter, "_include");
  EXPECT_FALSE(parse_search("Patient", Query{{"_total", "maybe"}}));
  EXPECT_FALSE(parse_search("Patient", Query{{"_summary", "true"}}));
}

TEST(SearchRequest, CountIsCappedAndSummaryCountAsksOnlyTheTotal) {
  auto big = parse_search("Patient", Query{{"_count", "100000"}});
  ASSERT_TRUE(big);
  EXPECT_EQ(big->count, crmstore::kMaxSearchCount);
  auto summary = parse_search("Patient", Query{{"_summary", "count"}});
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->count, 0u);
  EXPECT_TRUE(summary->total);
}

TEST(SearchRequest, EscapedCommasStayInTheValue) {
  EXPECT_EQ(split_values(R"(a\,b,c)"), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(split_values("x"), (std::vector<std::string>{"x"}));
}

TEST(SearchRequest, TheNextPageKeepsTheQueryAndReplacesTheCursor) {
  EXPECT_EQ(next_page_query(Query{{"name", "Li Lei"}, {"_cursor", "old"}, {"_count", "2"}}, "n3xt_-"),
            "name=Li%20Lei&_count=2&_cursor=n3xt_-");
}

}  // namespace
}  // namespace medgw::fhir

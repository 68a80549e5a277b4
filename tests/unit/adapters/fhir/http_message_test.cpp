#include "adapters/fhir/http_message.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

TEST(ParseTarget, DecodesPathAndQueryKeepingRepeatsInOrder) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(parse_target("/fhir/Observation?date=ge2020-01-01&date=lt2021&code=http%3A%2F%2Floinc.org%7C2093-3&name=Li+Lei",
                           path, query));
  EXPECT_EQ(path, "/fhir/Observation");
  ASSERT_EQ(query.size(), 4u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"date", "ge2020-01-01"}));
  EXPECT_EQ(query[1].second, "lt2021");
  EXPECT_EQ(query[2].second, "http://loinc.org|2093-3");
  EXPECT_EQ(query[3].second, "Li Lei");
}

TEST(ParseTarget, PlusInThePathIsNotASpace) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(parse_target("/a+b", path, query));
  EXPECT_EQ(path, "/a+b");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTarget, DecodesUtf8Escapes) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(parse_target("/Patient?name=%E5%BC%A0", path, query));
  EXPECT_EQ(query.at(0).second, "\xE5\xBC\xA0");  // 张
}

TEST(ParseTarget, RefusesMalformedEscapes) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  EXPECT_FALSE(parse_target("/Patient?name=%E", path, query));
  EXPECT_FALSE(parse_target("/Patient?name=%zz", path, query));
  EXPECT_FALSE(parse_target("/Pat%4", path, query));
}

TEST(PercentEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(percent_encode("http://loinc.org|2093-3"), "http%3A%2F%2Floinc.org%7C2093-3");
  EXPECT_EQ(percent_encode("\xE5\xBC\xA0 x"), "%E5%BC%A0%20x");
}

TEST(HttpMessage, HeadersAreFoundAndReplaced) {
  HttpRequest req;
  req.headers = {{"content-type", "application/fhir+json"}};
  ASSERT_NE(req.header("content-type"), nullptr);
  EXPECT_EQ(*req.header("content-type"), "application/fhir+json");
  EXPECT_EQ(req.header("accept"), nullptr);
  HttpResponse res;
  res.set_header("ETag", "W/\"1\"");
  res.set_header("ETag", "W/\"2\"");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "W/\"2\"");
}

}  // namespace
}  // namespace medgw::fhir

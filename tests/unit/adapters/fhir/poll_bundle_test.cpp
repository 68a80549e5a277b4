#include "adapters/fhir/poll_bundle.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

std::string obs(const std::string& id, const std::string& last_updated, const std::string& version = "1") {
  return R"({"resource":{"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + version +
         R"(","lastUpdated":")" + last_updated + R"("},"status":"final","valueQuantity":{"value":5.20}},)" +
         R"("search":{"mode":"match"}})";
}

TEST(ParseSearchPage, ReadsEntriesAndTheNextLink) {
  const std::string body =
      R"({"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://u/fhir/Observation"},)"
      R"({"relation":"next","url":"http://u/fhir?_getpages=abc&_getpagesoffset=2"}],"entry":[)" +
      obs("a", "2024-03-01T10:00:00Z") + "," + obs("b", "2024-03-01T10:00:00Z", "7") +
      R"(,{"resource":{"resourceType":"Patient","id":"p"},"search":{"mode":"include"}}]})";
  auto page = parse_search_page(body, "Observation");
  ASSERT_TRUE(page) << page.error();
  EXPECT_EQ(page->next, "http://u/fhir?_getpages=abc&_getpagesoffset=2");
  ASSERT_EQ(page->entries.size(), 2u);  // the included Patient is not a result
  EXPECT_EQ(page->entries[0].id, "a");
  EXPECT_EQ(page->entries[1].version_id, "7");
  EXPECT_EQ(page->entries[1].last_updated, "2024-03-01T10:00:00Z");
  ASSERT_NE(page->entries[0].resource, nullptr);
  EXPECT_TRUE(page->doc.is_number((*page->entries[0].resource)["valueQuantity"]["value"]));
  EXPECT_EQ(page->doc.number_text((*page->entries[0].resource)["valueQuantity"]["value"]), "5.20");
}

TEST(ParseSearchPage, TheLastPageHasNoNextAndMayHaveNoEntries) {
  auto page = parse_search_page(R"({"resourceType":"Bundle","type":"searchset","total":0})", "Patient");
  ASSERT_TRUE(page) << page.error();
  EXPECT_TRUE(page->entries.empty());
  EXPECT_TRUE(page->next.empty());
}

TEST(ParseSearchPage, RefusesWhatCannotBeWatermarked) {
  const std::string head = R"({"resourceType":"Bundle","type":"searchset","entry":[)";
  const struct {
    std::string body;
    std::string says;
  } cases[] = {
      {"<Bundle/>", "not JSON"},
      {R"({"resourceType":"OperationOutcome"})", "not a Bundle"},
      {R"({"resourceType":"Bundle","type":"history"})", "not a searchset"},
      {R"({"resourceType":"Bundle","type":"searchset","entry":{}})", "not an array"},
      {head + R"({"search":{"mode":"match"}}]})", "entry[0] has no resource"},
      {head + obs("a", "2024-03-01T10:00:00Z") + R"(,{"resource":{"resourceType":"Observation","id":"b"}}]})",
       "entry[1].resource.meta.lastUpdated is missing"},
      {head + obs("a", "yesterday") + "]}", "not an instant"},
      {head + obs("a b", "2024-03-01T10:00:00Z") + "]}", "not a FHIR id"},
      {head + R"({"resource":{"resourceType":"Patient","id":"p","meta":{"lastUpdated":"2024-03-01T10:00:00Z"}}}]})",
       "is a Patient, not a Observation"},
  };
  for (const auto& c : cases) {
    auto page = parse_search_page(c.body, "Observation");
    ASSERT_FALSE(page) << c.body;
    EXPECT_NE(page.error().find(c.says), std::string::npos) << page.error();
  }
}

}  // namespace
}  // namespace medgw::fhir

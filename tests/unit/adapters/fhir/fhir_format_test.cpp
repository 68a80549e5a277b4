// Format negotiation: _format over Accept, q-values, JSON by default, 406/415 for other formats.
#include "adapters/fhir/fhir_format.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

HttpRequest request(std::vector<std::pair<std::string, std::string>> query,
                    std::vector<std::pair<std::string, std::string>> headers, std::string body = {}) {
  HttpRequest r;
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST(FhirFormat, FormatParameterOverridesAccept) {
  EXPECT_EQ(response_format(request({{"_format", "xml"}}, {{"accept", "application/fhir+json"}})), FhirFormat::kXml);
  EXPECT_EQ(response_format(request({{"_format", "application/fhir+json"}}, {{"accept", "application/fhir+xml"}})),
            FhirFormat::kJson);
  for (const char* f :
       {"xml", "text/xml", "application/xml", "application/fhir+xml", "application/fhir+xml;fhirVersion=4.0"}) {
    EXPECT_EQ(response_format(request({{"_format", f}}, {})), FhirFormat::kXml) << f;
  }
  for (const char* f : {"json", "application/json", "application/fhir+json"}) {
    EXPECT_EQ(response_format(request({{"_format", f}}, {})), FhirFormat::kJson) << f;
  }
  EXPECT_EQ(response_format(request({{"_format", "ttl"}}, {})), std::nullopt);
  EXPECT_EQ(response_format(request({{"_format", "text/turtle"}}, {{"accept", "application/fhir+json"}})),
            std::nullopt);
}

TEST(FhirFormat, AcceptByQualityThenOrder) {
  EXPECT_EQ(response_format(request({}, {})), FhirFormat::kJson);
  EXPECT_EQ(response_format(request({}, {{"accept", "*/*"}})), FhirFormat::kJson);
  EXPECT_EQ(response_format(request({}, {{"accept", "application/fhir+xml"}})), FhirFormat::kXml);
  EXPECT_EQ(response_format(request({}, {{"accept", "application/fhir+json, application/fhir+xml;q=0.5"}})),
            FhirFormat::kJson);
  EXPECT_EQ(response_format(request({}, {{"accept", "application/fhir+json;q=0.4, application/fhir+xml"}})),
            FhirFormat::kXml);
  EXPECT_EQ(response_format(request({}, {{"accept", "application/fhir+xml, application/fhir+json"}})),
            FhirFormat::kXml);
  // A browser: application/xml at 0.9 beats */* at 0.8.
  EXPECT_EQ(
      response_format(request({}, {{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}})),
      FhirFormat::kXml);
  EXPECT_EQ(response_format(request({}, {{"accept", "text/turtle"}})), std::nullopt);
  EXPECT_EQ(response_format(request({}, {{"accept", "application/fhir+xml;q=0"}})), std::nullopt);
}

TEST(FhirFormat, BodyFormatByContentTypeOrFirstCharacter) {
  EXPECT_EQ(body_format(request({}, {{"content-type", "application/fhir+xml; charset=utf-8"}})), FhirFormat::kXml);
  EXPECT_EQ(body_format(request({}, {{"content-type", "text/xml"}})), FhirFormat::kXml);
  EXPECT_EQ(body_format(request({}, {{"content-type", "application/fhir+json"}})), FhirFormat::kJson);
  EXPECT_EQ(body_format(request({}, {{"content-type", "application/json"}})), FhirFormat::kJson);
  EXPECT_EQ(body_format(request({}, {{"content-type", "text/plain"}})), std::nullopt);
  EXPECT_EQ(body_format(request({}, {}, "  <Patient/>")), FhirFormat::kXml);
  EXPECT_EQ(body_format(request({}, {}, "{}")), FhirFormat::kJson);
}

}  // namespace
}  // namespace medgw::fhir

// The contract with mappings/v2: a GBK ORU^R01 from the cn-hospital LIS, without MSH-18, decoded
// with the site's charset, mapped by map_v2 and refined by apply_site, comes out with typed
// identifiers, LOINC codes and UCUM units. Guards the assumptions apply_site makes about what the
// mapping leaves (CX.4.1 in Identifier.assigner, no system on local codes, OBX-6 text in unit).
#include <gtest/gtest.h>

#include "mappings/hl7v2/charset.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/sites/apply_site.hpp"
#include "mappings/sites/site_loader.hpp"
#include "mappings/v2/map_message.hpp"

namespace medgw::sites {
namespace {

TEST(V2WithSite, CnHospitalLabResultComesOutStandard) {
  auto site = load_site_profile(std::string(MEDGW_SITES_DIR) + "/cn-hospital.yaml");
  ASSERT_TRUE(site) << site.error();
  const std::string utf8 =
      "MSH|^~\\&|LIS|CNHOSP|MEDGW|CRM|20240301083000||ORU^R01|MSG0001|P|2.4\r"
      "PID|1||11010519491231002X^^^SFZH~00012345^^^BLH||张^三||19491231|F\r"
      "OBR|1||F123|LAB^生化^L|||20240301080000\r"
      "OBX|1|NM|GLU^葡萄糖^L||126|mg/dL|70-100|H|||F\r"
      "OBX|2|NM|WBC^白细胞^L||6.5|10\\S\\9/L|3.5-9.5|N|||F\r";
  const auto gbk_charset = hl7v2::find_charset(default_charset(*site, "LIS^CNHOSP", ""));
  ASSERT_TRUE(gbk_charset);
  auto gbk = hl7v2::encode_from_utf8(utf8, *gbk_charset);
  ASSERT_TRUE(gbk);
  ASSERT_NE(*gbk, utf8);  // really GBK on the wire

  hl7v2::ParseOptions options;
  options.default_charset = gbk_charset;
  auto message = hl7v2::Message::parse(*gbk, options);
  ASSERT_TRUE(message) << message.error().describe();
  auto changes = v2::map_v2(*message);
  ASSERT_TRUE(changes) << changes.error().reason;
  ASSERT_EQ(changes->sender, "LIS^CNHOSP");
  apply_site(*site, *changes);

  ASSERT_TRUE(changes->patient);
  const auto& ids = changes->patient->patient.identifier;
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].system, "urn:oid:2.16.156.10011.1.1");
  EXPECT_EQ(ids[0].type.coding.at(0).code, "NI");
  EXPECT_EQ(ids[1].system, "http://cn-hospital.example.cn/fhir/sid/mrn");
  EXPECT_EQ(ids[1].type.coding.at(0).code, "MR");

  ASSERT_EQ(changes->observations.size(), 2u);
  const auto& glu = changes->observations[0].resource;
  EXPECT_EQ(glu.code.coding.at(0).system, "http://loinc.org");
  EXPECT_EQ(glu.code.coding.at(0).code, "14749-6");
  EXPECT_EQ(glu.code.coding.at(1).code, "GLU");
  EXPECT_EQ(glu.code.coding.at(1).display, "葡萄糖");
  const auto* q = std::get_if<model::Quantity>(&glu.value);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->value.text, "6.99");
  EXPECT_EQ(q->code, "mmol/L");
  for (const auto& range : glu.reference_range) {
    if (range.low) {
      EXPECT_EQ(range.low->code, "mmol/L");
    }
    if (range.high) {
      EXPECT_EQ(range.high->code, "mmol/L");
    }
  }
  const auto* wbc = std::get_if<model::Quantity>(&changes->observations[1].resource.value);
  ASSERT_NE(wbc, nullptr);
  EXPECT_EQ(wbc->code, "10*9/L");
  EXPECT_EQ(wbc->value.text, "6.5");
  EXPECT_EQ(changes->observations[1].resource.code.coding.at(0).code, "6690-2");
  // The panel code in OBR-4 is not in the lab code map, and says so; nothing else is reported.
  ASSERT_EQ(changes->warnings.size(), 1u);
  EXPECT_EQ(changes->warnings[0], "site: unmapped local code 'LAB' (system '') in DiagnosticReport.code");
}

}  // namespace
}  // namespace medgw::sites

// unmet_requirement (site_requirements.hpp): a source that requires mapped codes parks a change set
// with an unmapped result or report code, naming the code; other sources are not affected.
#include "mappings/sites/site_requirements.hpp"

#include <gtest/gtest.h>

#include "mappings/sites/apply_site.hpp"

namespace medgw::sites {
namespace {

constexpr const char* kLoinc = "http://loinc.org";

SiteProfile strict_lis() {
  SiteProfile site;
  SourceProfile lis;
  lis.sender = "LIS^HOSP";
  lis.local_code_system = "LIS";
  lis.require_code_maps = true;
  site.sources.push_back(lis);
  SourceProfile his;
  his.sender = "HIS^HOSP";
  site.sources.push_back(his);
  site.codes.by_source[{"LIS", "GLU"}] = model::Coding{kLoinc, "", "14749-6", "Glucose"};
  site.codes.by_source[{"LIS", "CHEM"}] = model::Coding{kLoinc, "", "24323-8", "Comprehensive metabolic panel"};
  site.codes.target_systems.insert(kLoinc);
  return site;
}

model::ChangeSet oru(const std::string& sender, std::vector<std::string> local_codes) {
  model::ChangeSet cs;
  cs.message_type = "ORU^R01";
  cs.sender = sender;
  model::Keyed<model::DiagnosticReport> report;
  report.key = "F1";
  report.resource.code.coding.push_back({"", "", "CHEM", "Chemistry"});
  cs.reports.push_back(report);
  for (const auto& code : local_codes) {
    model::Keyed<model::Observation> o;
    o.key = "F1|" + code + "|";
    o.resource.code.coding.push_back({"", "", code, ""});
    cs.observations.push_back(o);
  }
  return cs;
}

TEST(SiteRequirements, MappedCodesPass) {
  const auto site = strict_lis();
  auto cs = oru("LIS^HOSP", {"GLU"});
  apply_site(site, cs);
  EXPECT_EQ(unmet_requirement(site, cs, "lis"), std::nullopt);
}

TEST(SiteRequirements, AnUnmappedResultCodeIsNamed) {
  const auto site = strict_lis();
  auto cs = oru("LIS^HOSP", {"GLU", "ALT"});
  apply_site(site, cs);
  auto why = unmet_requirement(site, cs, "lis");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("Observation code 'ALT'"), std::string::npos) << *why;
  EXPECT_NE(why->find("require_code_maps"), std::string::npos) << *why;
}

TEST(SiteRequirements, AnUnmappedReportCodeIsNamed) {
  auto site = strict_lis();
  site.codes.by_source.erase({"LIS", "CHEM"});
  auto cs = oru("LIS^HOSP", {"GLU"});
  apply_site(site, cs);
  auto why = unmet_requirement(site, cs, "lis");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("DiagnosticReport code 'CHEM'"), std::string::npos) << *why;
}

TEST(SiteRequirements, OtherSourcesAreNotHeldToIt) {
  const auto site = strict_lis();
  auto cs = oru("HIS^HOSP", {"ALT"});
  apply_site(site, cs);
  EXPECT_EQ(unmet_requirement(site, cs, "his"), std::nullopt);
  auto unknown = oru("OTHER^HOSP", {"ALT"});
  EXPECT_EQ(unmet_requirement(site, unknown, "x"), std::nullopt);
}

TEST(SiteRequirements, AStandardCodeNeedsNoMap) {
  const auto site = strict_lis();
  auto cs = oru("LIS^HOSP", {});
  cs.reports[0].resource.code.coding = {{kLoinc, "", "24323-8", ""}};
  model::Keyed<model::Observation> o;
  o.resource.code.coding.push_back({kLoinc, "", "2345-7", ""});
  cs.observations.push_back(o);
  EXPECT_EQ(unmet_requirement(site, cs, "lis"), std::nullopt);
}

}  // namespace
}  // namespace medgw::sites

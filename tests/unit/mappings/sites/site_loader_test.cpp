// Site profile loading (site_loader.hpp): the shipped examples load, and every kind of bad file is
// rejected with an error naming the file, line and key.
#include "mappings/sites/site_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mappings/sites/apply_site.hpp"

namespace medgw::sites {
namespace {

namespace fs = std::filesystem;

const std::string kSitesDir = MEDGW_SITES_DIR;

TEST(ShippedSites, CnHospitalLoads) {
  auto site = load_site_profile(kSitesDir + "/cn-hospital.yaml");
  ASSERT_TRUE(site) << site.error();
  EXPECT_EQ(site->name, "cn-hospital");
  const auto& rules = site->identifiers.by_authority;
  ASSERT_EQ(rules.count("SFZH"), 1u);
  EXPECT_EQ(rules.at("SFZH").system, "urn:oid:2.16.156.10011.1.1");
  EXPECT_EQ(rules.at("SFZH").type, "NI");
  EXPECT_EQ(rules.at("SFZH").kind, IdentifierKind::kNationalId);
  EXPECT_EQ(rules.at("BLH").type, "MR");
  EXPECT_EQ(rules.at("BLH").kind, IdentifierKind::kMrn);
  EXPECT_EQ(rules.at("YBH").kind, IdentifierKind::kInsurance);
  EXPECT_EQ(identifier_kind(*site, "urn:oid:2.16.156.10011.1.1"), IdentifierKind::kNationalId);
  ASSERT_TRUE(site->identifiers.unknown_authority);
  EXPECT_TRUE(site->identifiers.warn_unknown_authority);
  EXPECT_EQ(default_charset(*site, "HIS^CNHOSP", "his"), "GBK");
  EXPECT_EQ(default_charset(*site, "LIS^CNHOSP", "anything"), "GBK");
  EXPECT_EQ(default_charset(*site, "PACS^CNHOSP", "pacs"), "");
  EXPECT_GE(site->codes.by_source.size(), 15u);
  const auto glu = site->codes.by_source.find({"LIS", "GLU"});
  ASSERT_NE(glu, site->codes.by_source.end());
  EXPECT_EQ(glu->second.system, "http://loinc.org");
  EXPECT_EQ(glu->second.code, "14749-6");
  EXPECT_TRUE(site->units.enabled);
  EXPECT_EQ(site->units.ucum_of.at("MMOL/L"), "mmol/L");
  EXPECT_EQ(site->units.ucum_of.at("10^9/L"), "10*9/L");
  EXPECT_EQ(site->units.ucum_of.at("μmol/L"), "umol/L");
  EXPECT_EQ(site->units.ucum_of.at("%"), "%");
  EXPECT_EQ(site->units.conversions.count({"http://loinc.org", "14749-6"}), 1u);
}

TEST(ShippedSites, StandardLoadsAndOverridesNothing) {
  auto site = load_site_profile(kSitesDir + "/v2-to-fhir-standard.yaml");
  ASSERT_TRUE(site) << site.error();
  EXPECT_EQ(site->name, "v2-to-fhir-standard");
  EXPECT_TRUE(site->identifiers.by_authority.empty());
  EXPECT_FALSE(site->identifiers.unknown_authority);
  EXPECT_TRUE(site->sources.empty());
  EXPECT_TRUE(site->codes.by_source.empty());
  EXPECT_FALSE(site->units.enabled);
}

// A folder of its own per test, for the code map CSVs a profile names.
class SiteFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("medgw_sites_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  Expected<SiteProfile, std::string> parse(const std::string& yaml) {
    return parse_site_profile(yaml, "s.yaml", dir_.string());
  }
  fs::path dir_;
};

TEST_F(SiteFiles, MinimalProfileLoads) {
  auto site = parse("site: x\n");
  ASSERT_TRUE(site) << site.error();
  EXPECT_EQ(site->name, "x");
}

TEST_F(SiteFiles, LoadFromFileResolvesCodeMapsNextToIt) {
  write("codes.csv", "source_system,source_code,target_system,target_code,target_display\n"
                     "LIS,GLU,http://loinc.org,14749-6,Glucose\n");
  write("site.yaml", "site: x\ncode_maps: [codes.csv]\n");
  auto site = load_site_profile((dir_ / "site.yaml").string());
  ASSERT_TRUE(site) << site.error();
  EXPECT_EQ(site->codes.by_source.size(), 1u);
  EXPECT_EQ(site->codes.target_systems.count("http://loinc.org"), 1u);
}

TEST_F(SiteFiles, IdenticalRowsInTwoMapsAreOneMapping) {
  const std::string csv = "source_system,source_code,target_system,target_code,target_display\n"
                          "LIS,GLU,http://loinc.org,14749-6,Glucose\n";
  write("a.csv", csv);
  write("b.csv", csv);
  auto site = parse("site: x\ncode_maps: [a.csv, b.csv]\n");
  ASSERT_TRUE(site) << site.error();
  EXPECT_EQ(site->codes.by_source.size(), 1u);
}

TEST(SiteLoader, MissingFileIsAnErrorNotAnException) {
  auto site = load_site_profile("/nonexistent/site.yaml");
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error(), "cannot read site profile '/nonexistent/site.yaml'");
}

struct BadSite {
  const char* name;
  std::string yaml;
  std::string error;  // the whole message, or its start when it ends in "..."
};
void PrintTo(const BadSite& c, std::ostream* os) { *os << c.name; }

class BadSites : public SiteFiles, public ::testing::WithParamInterface<BadSite> {};

TEST_P(BadSites, AreRejectedNamingLineAndKey) {
  write("codes.csv", "source_system,source_code,target_system,target_code,target_display\n"
                     "LIS,GLU,http://loinc.org,14749-6,Glucose\n");
  write("conflict.csv", "source_system,source_code,target_system,target_code,target_display\n"
                        "LIS,GLU,http://loinc.org,2345-7,Glucose mass\n");
  write("bad.csv", "source_system,source_code,target_system,target_code,target_display\n"
                   "LIS,GLU,http://loinc.org\n");
  auto site = parse(GetParam().yaml);
  ASSERT_FALSE(site);
  const std::string& want = GetParam().error;
  if (want.size() > 3 && want.substr(want.size() - 3) == "...") {
    EXPECT_EQ(site.error().substr(0, want.size() - 3), want.substr(0, want.size() - 3)) << site.error();
  } else {
    EXPECT_EQ(site.error(), want);
  }
}

const std::string kRule = "      system: \"urn:oid:1.2.3\"\n";

INSTANTIATE_TEST_SUITE_P(
    SiteLoader, BadSites,
    ::testing::Values(
        BadSite{"Empty", "", "s.yaml: site profile: empty"},
        BadSite{"NotAMapping", "- a\n- b\n", "s.yaml:1: site profile: expected a mapping"},
        BadSite{"NoName", "description: x\n", "s.yaml:1: site: required"},
        BadSite{"UnknownTopKey", "site: x\ncolour: red\n",
                "s.yaml:2: colour: unknown key (allowed here: code_maps, db_rows, description, identifiers, site, sources, units)"},
        BadSite{"DuplicateKey", "site: x\nsite: y\n", "s.yaml:2: site: appears twice"},
        BadSite{"YamlSyntax", "site: [x\n", "s.yaml: YAML: yaml-cpp: error at line..."},
        BadSite{"UnknownRuleKey", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n" + kRule + "      colour: red\n",
                "s.yaml:6: identifiers.authorities.SFZH.colour: unknown key (allowed here: kind, system, type, use)"},
        BadSite{"RuleWithoutSystem", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n      type: NI\n",
                "s.yaml:5: identifiers.authorities.SFZH.system: required"},
        BadSite{"SystemNotUri", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n      system: national id\n",
                "s.yaml:5: identifiers.authorities.SFZH.system: 'national id' is not a URI (http://..., urn:oid:...)"},
        BadSite{"TemplateOutsideUnknown",
                "site: x\nidentifiers:\n  authorities:\n    SFZH:\n      system: \"urn:x:{authority}\"\n",
                "s.yaml:5: identifiers.authorities.SFZH.system: {authority} is only allowed in "
                "identifiers.unknown_authority.system"},
        BadSite{"BadKind", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n" + kRule + "      kind: passport\n",
                "s.yaml:6: identifiers.authorities.SFZH.kind: must be one of mrn, national_id, insurance, other"},
        BadSite{"BadType", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n" + kRule + "      type: national\n",
                "s.yaml:6: identifiers.authorities.SFZH.type: expected a table 0203 code (MR, NI, SN, PI, ...)"},
        BadSite{"BadUse", "site: x\nidentifiers:\n  authorities:\n    SFZH:\n" + kRule + "      use: primary\n",
                "s.yaml:6: identifiers.authorities.SFZH.use: must be one of usual, official, temp, secondary, old"},
        BadSite{"BadWarn", "site: x\nidentifiers:\n  unknown_authority:\n    system: \"urn:x:{authority}\"\n    warn: maybe\n",
                "s.yaml:5: identifiers.unknown_authority.warn: expected true or false"},
        BadSite{"SourcesNotAList", "site: x\nsources:\n  sender: A^B\n", "s.yaml:3: sources: expected a list"},
        BadSite{"SourceUnnamed", "site: x\nsources:\n  - charset: GBK\n",
                "s.yaml:3: sources[0]: needs a sender (MSH-3^MSH-4, \"APP^FACILITY\") or a source (listener name), or both"},
        BadSite{"SenderWithoutFacility", "site: x\nsources:\n  - sender: HIS\n",
                "s.yaml:3: sources[0].sender: expected MSH-3^MSH-4 as \"APP^FACILITY\""},
        BadSite{"UnknownCharset", "site: x\nsources:\n  - sender: HIS^H\n    charset: KLINGON\n",
                "s.yaml:4: sources[0].charset: unknown or unsupported charset 'KLINGON'"},
        BadSite{"DuplicateSource", "site: x\nsources:\n  - sender: HIS^H\n  - sender: HIS^H\n",
                "s.yaml:4: sources[1]: another source has the same sender and source"},
        BadSite{"UnknownSourceKey", "site: x\nsources:\n  - sender: HIS^H\n    encoding: GBK\n",
                "s.yaml:4: sources[0].encoding: unknown key (allowed here: authorities, charset, default_assigner, "
                "local_code_system, require_code_maps, sender, source)"},
        BadSite{"MissingCodeMap", "site: x\ncode_maps:\n  - nope.csv\n",
                "s.yaml:3: code_maps[0]: cannot read code map '..."},
        BadSite{"MalformedCodeMap", "site: x\ncode_maps:\n  - bad.csv\n", "s.yaml:3: code_maps[0]: ..."},
        BadSite{"ConflictingCodeMaps", "site: x\ncode_maps:\n  - codes.csv\n  - conflict.csv\n",
                "s.yaml:4: code_maps[1]: ..."},
        BadSite{"UcumNotAMap", "site: x\nunits:\n  ucum: [mmol/L]\n",
                "s.yaml:3: units.ucum: expected a mapping of UCUM code to the unit texts senders use for it"},
        BadSite{"SynonymTwice", "site: x\nunits:\n  ucum:\n    mmol/L: [mmol/l]\n    umol/L: [mmol/l]\n",
                "s.yaml:5: units.ucum.umol/L: 'mmol/l' already stands for 'mmol/L'"},
        BadSite{"ConversionFromUnlisted",
                "site: x\nunits:\n  ucum:\n    mmol/L: []\n  conversions:\n    - code: 14749-6\n      from: mg/dL\n"
                "      to: mmol/L\n      factor: 0.0555\n",
                "s.yaml:7: units.conversions[0].from: 'mg/dL' is not a UCUM code listed under units.ucum"},
        BadSite{"ConversionBadFactor",
                "site: x\nunits:\n  ucum:\n    mmol/L: []\n    mg/dL: []\n  conversions:\n    - code: 14749-6\n"
                "      from: mg/dL\n      to: mmol/L\n      factor: -1\n",
                "s.yaml:10: units.conversions[0].factor: expected a positive number"},
        BadSite{"ConversionWithoutCode",
                "site: x\nunits:\n  ucum:\n    mmol/L: []\n    mg/dL: []\n  conversions:\n    - from: mg/dL\n"
                "      to: mmol/L\n      factor: 2\n",
                "s.yaml:7: units.conversions[0].code: required"}));

// The error texts above depend on the code map's own message, checked in full here once.
TEST_F(SiteFiles, CodeMapErrorsNameTheCsvLineToo) {
  write("bad.csv", "source_system,source_code,target_system,target_code,target_display\n"
                   "LIS,GLU,http://loinc.org\n");
  auto site = parse("site: x\ncode_maps:\n  - bad.csv\n");
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error(), "s.yaml:3: code_maps[0]: " + (dir_ / "bad.csv").string() + ":2: expected 5 fields, found 3");

  write("a.csv", "source_system,source_code,target_system,target_code,target_display\n"
                 "LIS,GLU,http://loinc.org,14749-6,Glucose\n");
  write("b.csv", "source_system,source_code,target_system,target_code,target_display\n\n"
                 "LIS,GLU,http://loinc.org,2345-7,Glucose mass\n");
  site = parse("site: x\ncode_maps: [a.csv, b.csv]\n");
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error(), "s.yaml:2: code_maps[1]: " + (dir_ / "b.csv").string() +
                              ":3: source code 'GLU' of system 'LIS' is already mapped to another code at " +
                              (dir_ / "a.csv").string() + ":2");
}

}  // namespace
}  // namespace medgw::sites

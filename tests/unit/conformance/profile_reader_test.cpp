// Reading conformance profile XML: the shipped sets load with the grammar of the standard, a
// site layers on its base, and hostile or malformed files are refused with a reason.
#include "conformance/profile_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "conformance/profile_set.hpp"

namespace medgw::conformance {
namespace {

const char* kMinimal = R"(<?xml version="1.0"?>
<HL7v2xConformanceProfile HL7Version="2.5.1" Identifier="t-1">
  <HL7v2xStaticDef MsgType="ADT" EventType="A01" MsgStructID="ADT_A01">
    <Segment Name="MSH" Usage="R" Min="1" Max="1">
      <Field Name="Field Separator" Usage="R" Min="1" Max="1" Datatype="ST" Length="1"/>
    </Segment>
    <SegGroup Name="PROCEDURE" Usage="O" Min="0" Max="*">
      <Segment Name="PR1" Usage="R" Min="1" Max="1">
        <Field Name="Set ID" Usage="R" Datatype="SI" Length="1..4"/>
        <Field Name="Code" Usage="RE" Max="*" Datatype="CE" Table="HL70088">
          <Component Name="Identifier" Usage="R" Datatype="ST">
            <SubComponent Name="Part" Usage="O" Datatype="NM"/>
          </Component>
        </Field>
      </Segment>
    </SegGroup>
  </HL7v2xStaticDef>
</HL7v2xConformanceProfile>)";

TEST(ProfileReader, ReadsGrammarFieldsComponentsAndSubComponents) {
  auto p = read_message_profile(kMinimal);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->identifier, "t-1");
  EXPECT_EQ(p->structure, "ADT_A01");
  ASSERT_EQ(p->grammar.size(), 2u);
  const GrammarNode& group = p->grammar[1];
  EXPECT_TRUE(group.is_group);
  EXPECT_EQ(group.max, kUnbounded);
  const SegmentDef& pr1 = *group.children.at(0).segment;
  ASSERT_EQ(pr1.fields.size(), 2u);
  EXPECT_EQ(pr1.fields[0].min, 1u);  // R without Min: at least one
  EXPECT_EQ(pr1.fields[0].max_length, 4u);  // "1..4": the maximum
  EXPECT_EQ(pr1.fields[1].usage, Usage::kRequiredOrEmpty);
  EXPECT_EQ(pr1.fields[1].table, "0088");
  EXPECT_EQ(pr1.fields[1].components.at(0).children.at(0).datatype, "NM");
}

TEST(ProfileReader, RefusesMalformedAndHostileInput) {
  std::string bad = kMinimal;
  bad.replace(bad.find("Min=\"0\" Max=\"*\""), 15, "Min=\"3\" Max=\"2\"");
  auto p = read_message_profile(bad);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("Min is above Max"), std::string::npos) << p.error();

  std::string usage = kMinimal;
  usage.replace(usage.find("Usage=\"RE\""), 10, "Usage=\"Q\"");
  ASSERT_FALSE(read_message_profile(usage));

  // Billion laughs / XXE need a DTD: refused before anything is expanded.
  const std::string xxe = R"(<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<HL7v2xConformanceProfile><HL7v2xStaticDef MsgType="&x;"/></HL7v2xConformanceProfile>)";
  auto x = read_message_profile(xxe);
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().find("DOCTYPE"), std::string::npos) << x.error();

  std::string deep = "<HL7v2xConformanceProfile><HL7v2xStaticDef MsgType=\"A\">";
  for (int i = 0; i < 100; ++i) deep += "<SegGroup Name=\"G\">";
  for (int i = 0; i < 100; ++i) deep += "</SegGroup>";
  deep += "</HL7v2xStaticDef></HL7v2xConformanceProfile>";
  auto d = read_message_profile(deep);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("deeper than the limit"), std::string::npos) << d.error();

  const std::string no_msh = R"(<HL7v2xConformanceProfile><HL7v2xStaticDef MsgType="ADT" EventType="A01">
<Segment Name="PID" Usage="R"/></HL7v2xStaticDef></HL7v2xConformanceProfile>)";
  auto m = read_message_profile(no_msh);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("MSH"), std::string::npos);
}

TEST(ProfileReader, ValueSetsAndSiteRules) {
  auto v = read_value_sets(R"(<ValueSetLibrary><ValueSetDefinitions Group="HL7">
    <ValueSetDefinition BindingIdentifier="HL70001" Name="Sex"><ValueElement Value="F"/><ValueElement Value="M"/></ValueSetDefinition>
    </ValueSetDefinitions></ValueSetLibrary>)");
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->at("0001").codes, (std::set<std::string>{"F", "M"}));

  auto s = read_site_rules(R"(<SiteProfile Name="x" Base="../b" DefaultCharset="GBK">
    <NationalId Authority="SFZH"/><Override Segment="PID" Field="8" Usage="R" AlsoAccepted="CN"/></SiteProfile>)");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->default_charset, "GBK");
  ASSERT_EQ(s->national_ids.size(), 1u);
  EXPECT_EQ(s->national_ids[0].field, 3u);
  ASSERT_EQ(s->overrides.size(), 1u);
  EXPECT_EQ(s->overrides[0].usage, Usage::kRequired);
  EXPECT_FALSE(read_site_rules("<SiteProfile><NationalId/></SiteProfile>"));
}

TEST(ProfileSet, ShippedSetsLoadAndTheSiteLayersOnItsBase) {
  auto base = load_profile_set(MEDGW_CONFORMANCE_DIR "/profiles/medgw");
  ASSERT_TRUE(base) << base.error();
  EXPECT_EQ(base->messages.size(), 7u);  // ADT A01/A04/A08/A40, ORU R01, MDM T02, ORM O01
  ASSERT_NE(base->find("ORU", "R01", ""), nullptr);
  EXPECT_EQ(base->find("ORU", "R01", "")->structure, "ORU_R01");
  // A08 shares ADT_A01; an unknown event with the structure still finds a profile by MSH-9.3.
  EXPECT_NE(base->find("ADT", "A13", "ADT_A01"), nullptr);
  EXPECT_EQ(base->find("SIU", "S12", "SIU_S12"), nullptr);
  EXPECT_TRUE(base->value_sets.count("0001"));
  EXPECT_TRUE(base->site.national_ids.empty());

  auto cn = load_profile_set(MEDGW_CONFORMANCE_DIR "/profiles/cn-his");
  ASSERT_TRUE(cn) << cn.error();
  EXPECT_EQ(cn->name, "cn-his");
  EXPECT_EQ(cn->messages.size(), 7u);
  EXPECT_EQ(cn->site.default_charset, "GBK");
  EXPECT_EQ(cn->site.national_ids.size(), 2u);
  EXPECT_TRUE(cn->value_sets.count("0001") && cn->value_sets.count("GBT2261.1"));
}

TEST(ProfileSet, RefusesOversizedFilesAndUnknownDocuments) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("medgw-profile-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "a.xml") << kMinimal;
  }
  EXPECT_TRUE(load_profile_set(dir.string()));
  ProfileLimits small;
  small.max_file_bytes = 100;
  auto big = load_profile_set(dir.string(), small);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().find("larger than"), std::string::npos);
  {
    std::ofstream(dir / "b.xml") << "<Something/>";
  }
  auto other = load_profile_set(dir.string());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("unknown root element Something"), std::string::npos) << other.error();
  fs::remove_all(dir);
  EXPECT_EQ(resolve_profile_dir("no-such-profile-set"), "");
}

}  // namespace
}  // namespace medgw::conformance

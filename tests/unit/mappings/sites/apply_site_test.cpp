// apply_site (apply_site.hpp) on hand-built change sets: identifiers retyped by assigning
// authority, local codes mapped, units normalised and converted, warnings without patient data.
#include "mappings/sites/apply_site.hpp"

#include <gtest/gtest.h>

#include "mappings/model/change_set_json.hpp"
#include "mappings/sites/site_loader.hpp"

namespace medgw::sites {
namespace {

const std::string kSitesDir = MEDGW_SITES_DIR;
constexpr const char* kLoinc = "http://loinc.org";

SiteProfile cn_hospital() {
  auto site = load_site_profile(kSitesDir + "/cn-hospital.yaml");
  EXPECT_TRUE(site) << site.error();
  return site ? std::move(*site) : SiteProfile{};
}

model::Identifier id(std::string value, std::string assigner, std::string type = {}) {
  model::Identifier i;
  i.value = std::move(value);
  i.assigner = std::move(assigner);
  if (!type.empty()) i.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", type, ""});
  return i;
}

model::ChangeSet adt(std::string sender, std::vector<model::Identifier> ids) {
  model::ChangeSet cs;
  cs.message_type = "ADT^A01";
  cs.sender = sender;
  model::PatientRecord rec;
  rec.sender = sender;
  rec.patient.identifier = std::move(ids);
  model::HumanName n;
  n.family = "张";
  n.given = {"三"};
  rec.patient.name.push_back(n);
  cs.patient = std::move(rec);
  return cs;
}

model::Quantity qty(std::string value, std::string unit) {
  model::Quantity q;
  q.value.text = std::move(value);
  q.unit = std::move(unit);
  return q;
}

model::Keyed<model::Observation> obs(std::string local_code, model::ObservationValue value, std::string system = {}) {
  model::Keyed<model::Observation> k;
  k.key = "F1|" + local_code + "|";
  k.resource.code.coding.push_back({std::move(system), "", local_code, "local display"});
  k.resource.value = std::move(value);
  return k;
}

model::ChangeSet oru(std::string sender, std::vector<model::Keyed<model::Observation>> observations) {
  model::ChangeSet cs = adt(sender, {});
  cs.message_type = "ORU^R01";
  cs.observations = std::move(observations);
  return cs;
}

const model::Coding& type_of(const model::Identifier& i) { return i.type.coding.at(0); }

TEST(ApplySiteIdentifiers, RetypesByAssigningAuthorityKeepingTheValue) {
  const SiteProfile site = cn_hospital();
  auto cs = adt("HIS^CNHOSP", {id("11010519491231002X", "SFZH"), id("00012345", "BLH", "PI"), id("YB998", "YBH")});
  apply_site(site, cs);
  const auto& ids = cs.patient->patient.identifier;
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0].system, "urn:oid:2.16.156.10011.1.1");
  EXPECT_EQ(ids[0].value, "11010519491231002X");
  EXPECT_EQ(ids[0].use, "official");
  ASSERT_EQ(ids[0].type.coding.size(), 1u);
  EXPECT_EQ(type_of(ids[0]).system, "http://terminology.hl7.org/CodeSystem/v2-0203");
  EXPECT_EQ(type_of(ids[0]).code, "NI");
  EXPECT_EQ(type_of(ids[0]).display, "National unique individual identifier");
  EXPECT_EQ(ids[1].system, "http://cn-hospital.example.cn/fhir/sid/mrn");
  ASSERT_EQ(ids[1].type.coding.size(), 1u);  // the mapping's PI replaced, not kept beside MR
  EXPECT_EQ(type_of(ids[1]).code, "MR");
  EXPECT_EQ(ids[1].value, "00012345");
  EXPECT_EQ(ids[2].system, "http://cn-hospital.example.cn/fhir/sid/insurance");
  EXPECT_EQ(type_of(ids[2]).code, "SN");
  EXPECT_EQ(ids[2].assigner, "YBH");  // as sent, kept for the record
  EXPECT_TRUE(cs.warnings.empty());
}

TEST(ApplySiteIdentifiers, BareNumberTakesTheSourcesDefaultAssigner) {
  const SiteProfile site = cn_hospital();
  auto cs = adt("HIS^CNHOSP", {id("00012345", "")});
  apply_site(site, cs);
  EXPECT_EQ(cs.patient->patient.identifier[0].system, "http://cn-hospital.example.cn/fhir/sid/mrn");
  EXPECT_EQ(type_of(cs.patient->patient.identifier[0]).code, "MR");

  auto other = adt("OTHER^X", {id("00012345", "")});  // no default for this sender: left as mapped
  apply_site(site, other);
  EXPECT_EQ(other.patient->patient.identifier[0].system, "");
  EXPECT_TRUE(other.patient->patient.identifier[0].type.coding.empty());
}

TEST(ApplySiteIdentifiers, SourceRulesComeBeforeSiteRules) {
  const SiteProfile site = cn_hospital();
  auto lis = adt("LIS^CNHOSP", {id("T1", "TMH")});
  apply_site(site, lis);
  EXPECT_EQ(lis.patient->patient.identifier[0].system, "http://cn-hospital.example.cn/fhir/sid/lis-specimen");
  EXPECT_TRUE(lis.warnings.empty());
  auto his = adt("HIS^CNHOSP", {id("T1", "TMH")});  // the HIS has no such rule: unknown authority
  apply_site(site, his);
  EXPECT_EQ(his.patient->patient.identifier[0].system, "http://cn-hospital.example.cn/fhir/sid/authority/TMH");
}

TEST(ApplySiteIdentifiers, UnknownAuthorityGetsItsOwnEscapedSystemAndAWarning) {
  const SiteProfile site = cn_hospital();
  auto cs = adt("HIS^CNHOSP", {id("123", "Old HIS/2"), id("456", "Old HIS/2")});
  apply_site(site, cs);
  const auto& i = cs.patient->patient.identifier[0];
  EXPECT_EQ(i.system, "http://cn-hospital.example.cn/fhir/sid/authority/Old%20HIS%2F2");
  EXPECT_EQ(type_of(i).code, "PI");
  ASSERT_EQ(cs.warnings.size(), 1u);  // one per authority, not per identifier
  EXPECT_EQ(cs.warnings[0], "site: identifier assigning authority 'Old HIS/2' has no rule; typed by unknown_authority");
}

TEST(ApplySiteIdentifiers, MergesAreRetypedToo) {
  const SiteProfile site = cn_hospital();
  model::ChangeSet cs;
  cs.message_type = "ADT^A40";
  cs.sender = "HIS^CNHOSP";
  model::MergeRequest m;
  m.surviving.sender = "HIS^CNHOSP";
  m.surviving.patient.identifier = {id("A1", "BLH")};
  m.prior = {id("A0", "BLH"), id("B0", "")};
  cs.merges.push_back(m);
  apply_site(site, cs);
  EXPECT_EQ(cs.merges[0].surviving.patient.identifier[0].system, "http://cn-hospital.example.cn/fhir/sid/mrn");
  EXPECT_EQ(cs.merges[0].prior[0].system, "http://cn-hospital.example.cn/fhir/sid/mrn");
  EXPECT_EQ(cs.merges[0].prior[1].system, "http://cn-hospital.example.cn/fhir/sid/mrn");  // default assigner
  EXPECT_EQ(cs.merges[0].prior[0].value, "A0");
}

TEST(ApplySiteCodes, PutsTheTargetCodingFirstAndKeepsTheLocalOne) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("GLU", qty("5.6", "mmol/L")), obs("ALT", qty("30", "U/L"))});
  model::Keyed<model::DiagnosticReport> report;
  report.resource.code.coding.push_back({"", "", "TSH", "促甲状腺激素"});
  cs.reports.push_back(report);
  apply_site(site, cs);
  const auto& glu = cs.observations[0].resource.code.coding;
  ASSERT_EQ(glu.size(), 2u);
  EXPECT_EQ(glu[0].system, kLoinc);
  EXPECT_EQ(glu[0].code, "14749-6");
  EXPECT_EQ(glu[0].display, "Glucose [Moles/volume] in Serum or Plasma");
  EXPECT_EQ(glu[1].code, "GLU");
  EXPECT_EQ(glu[1].system, "");  // the local coding untouched
  EXPECT_EQ(cs.observations[1].resource.code.coding[0].code, "1742-6");
  EXPECT_EQ(cs.reports[0].resource.code.coding[0].code, "3016-3");
  EXPECT_TRUE(cs.warnings.empty()) << cs.warnings[0];
}

TEST(ApplySiteCodes, CodesOfAnotherSystemOrSenderAreNotMapped) {
  const SiteProfile site = cn_hospital();
  // "GLU" from the HIS has no local_code_system, so it is not the LIS's GLU.
  auto cs = oru("HIS^CNHOSP", {obs("GLU", qty("5.6", "mmol/L"))});
  apply_site(site, cs);
  ASSERT_EQ(cs.observations[0].resource.code.coding.size(), 1u);
  ASSERT_EQ(cs.warnings.size(), 1u);
  EXPECT_EQ(cs.warnings[0], "site: unmapped local code 'GLU' (system '') in Observation.code");
}

TEST(ApplySiteCodes, UnmappedLocalCodeIsWarnedAndStandardCodesAreNot) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("XYZ", qty("1", "g/L")), obs("2345-7", qty("100", "mg/dL"), kLoinc)});
  apply_site(site, cs);
  ASSERT_EQ(cs.warnings.size(), 1u);
  EXPECT_EQ(cs.warnings[0], "site: unmapped local code 'XYZ' (system '') in Observation.code");
  EXPECT_EQ(cs.observations[1].resource.code.coding.size(), 1u);
}

TEST(ApplySiteUnits, SynonymsBecomeUcum) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("GLU", qty("5.6", "MMOL/L")), obs("WBC", qty("6.5", "10^9/L")),
                               obs("CREA", qty("80", "μmol/L")), obs("HGB", qty("135", "g/l")),
                               obs("HbA1c", qty("5.9", "%"))});
  apply_site(site, cs);
  const char* expected[] = {"mmol/L", "10*9/L", "umol/L", "g/L", "%"};
  for (std::size_t i = 0; i < cs.observations.size(); ++i) {
    const auto& q = std::get<model::Quantity>(cs.observations[i].resource.value);
    EXPECT_EQ(q.code, expected[i]) << i;
    EXPECT_EQ(q.unit, expected[i]) << i;
    EXPECT_EQ(q.system, "http://unitsofmeasure.org") << i;
  }
  EXPECT_EQ(std::get<model::Quantity>(cs.observations[0].resource.value).value.text, "5.6");  // not converted
  EXPECT_TRUE(cs.warnings.empty()) << cs.warnings[0];
}

TEST(ApplySiteUnits, ConvertsValueAndReferenceRangeForTheMappedCode) {
  const SiteProfile site = cn_hospital();
  auto o = obs("GLU", qty("126", "mg/dl"));
  model::ObservationReferenceRange rr;
  rr.low = qty("70", "mg/dL");
  rr.high = qty("100", "MG/DL");
  rr.text = "70-100";
  o.resource.reference_range.push_back(rr);
  auto cs = oru("LIS^CNHOSP", {o});
  apply_site(site, cs);
  const auto& q = std::get<model::Quantity>(cs.observations[0].resource.value);
  EXPECT_EQ(q.value.text, "6.99");
  EXPECT_EQ(q.code, "mmol/L");
  EXPECT_EQ(q.system, "http://unitsofmeasure.org");
  const auto& r = cs.observations[0].resource.reference_range[0];
  EXPECT_EQ(r.low->value.text, "3.9");  // 3.885, two digits as "70" has
  EXPECT_EQ(r.low->code, "mmol/L");
  EXPECT_EQ(r.high->value.text, "5.55");
  EXPECT_EQ(r.text, "70-100");  // free text is the sender's, untouched
  EXPECT_TRUE(cs.warnings.empty()) << cs.warnings[0];

  // Idempotent: a second pass converts nothing again.
  const std::string once = model::to_json(cs);
  apply_site(site, cs);
  EXPECT_EQ(model::to_json(cs), once);
}

TEST(ApplySiteUnits, ConversionNeedsTheObservationCode) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("ALT", qty("126", "mg/dL"))});  // no conversion for ALT
  apply_site(site, cs);
  const auto& q = std::get<model::Quantity>(cs.observations[0].resource.value);
  EXPECT_EQ(q.value.text, "126");
  EXPECT_EQ(q.code, "mg/dL");
}

TEST(ApplySiteUnits, ValueRangeIsNormalisedToo) {
  const SiteProfile site = cn_hospital();
  model::Range range;
  range.low = qty("90", "mg/dL");
  range.high = qty("100", "mg/dL");
  auto cs = oru("LIS^CNHOSP", {obs("GLU", range)});
  apply_site(site, cs);
  const auto& r = std::get<model::Range>(cs.observations[0].resource.value);
  EXPECT_EQ(r.low->value.text, "5.0");
  EXPECT_EQ(r.high->value.text, "5.55");
}

TEST(ApplySiteUnits, UnknownUnitIsWarnedByUnitAndCodeAndLeftAsSent) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("GLU", qty("5.6", "mmol per litre"))});
  apply_site(site, cs);
  const auto& q = std::get<model::Quantity>(cs.observations[0].resource.value);
  EXPECT_EQ(q.unit, "mmol per litre");
  EXPECT_EQ(q.code, "");
  ASSERT_EQ(cs.warnings.size(), 1u);
  EXPECT_EQ(cs.warnings[0], "site: unknown unit 'mmol per litre' in valueQuantity of Observation '14749-6'");
}

TEST(ApplySiteUnits, UcumClaimedBySenderIsTrustedAndUnitlessIsFine) {
  const SiteProfile site = cn_hospital();
  auto claimed = qty("7.40", "");
  claimed.code = "[pH]";
  claimed.system = "http://unitsofmeasure.org";
  auto cs = oru("LIS^CNHOSP", {obs("PH", claimed), obs("SG", qty("1.020", ""))});
  apply_site(site, cs);
  EXPECT_EQ(std::get<model::Quantity>(cs.observations[0].resource.value).code, "[pH]");
  for (const auto& w : cs.warnings) EXPECT_EQ(w.find("unit"), std::string::npos) << w;
}

TEST(ApplySiteUnits, ValueThatIsNotADecimalIsNotConverted) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("GLU", qty("1e2", "mg/dL"))});
  apply_site(site, cs);
  const auto& q = std::get<model::Quantity>(cs.observations[0].resource.value);
  EXPECT_EQ(q.value.text, "1e2");
  EXPECT_EQ(q.code, "mg/dL");
  ASSERT_EQ(cs.warnings.size(), 1u);
  EXPECT_EQ(cs.warnings[0], "site: valueQuantity of Observation '14749-6' is not a decimal; its unit was not converted");
}

TEST(ApplySiteWarnings, NeverCarryPatientData) {
  const SiteProfile site = cn_hospital();
  auto cs = oru("LIS^CNHOSP", {obs("XYZ", qty("987.654", "furlongs")), obs("GLU", qty("1e2", "mg/dL"))});
  cs.patient->patient.identifier = {id("11010519491231002X", "UNKNOWN_AUTH")};
  cs.patient->patient.birth_date = "1949-12-31";
  apply_site(site, cs);
  ASSERT_EQ(cs.warnings.size(), 4u);  // authority, unmapped code, unknown unit, not a decimal
  for (const auto& w : cs.warnings) {
    for (const char* phi : {"11010519491231002X", "张", "三", "1949", "987.654", "1e2"}) {
      EXPECT_EQ(w.find(phi), std::string::npos) << w << " contains " << phi;
    }
  }
}

TEST(ApplySite, StandardProfileChangesNothing) {
  auto site = load_site_profile(kSitesDir + "/v2-to-fhir-standard.yaml");
  ASSERT_TRUE(site) << site.error();
  auto cs = oru("LAB^ACME", {obs("2345-7", qty("100", "mg/dL"), kLoinc), obs("LOCAL", qty("1", "weird"))});
  cs.patient->patient.identifier = {id("123", "ACME", "MR")};
  const std::string before = model::to_json(cs);
  apply_site(*site, cs);
  EXPECT_EQ(model::to_json(cs), before);
}

TEST(ApplySite, SourceNameSelectsTheSourceEntry) {
  SiteProfile site;
  SourceProfile by_name;
  by_name.source = "his-listener";
  by_name.default_assigner = "BLH";
  site.sources.push_back(by_name);
  site.identifiers.by_authority["BLH"] = IdentifierRule{"urn:oid:1.2.3", "MR", "", IdentifierKind::kMrn};
  auto cs = adt("ANY^APP", {id("1", "")});
  apply_site(site, cs);  // listener unknown: an entry matched only by listener name does not apply
  EXPECT_EQ(cs.patient->patient.identifier[0].system, "");
  apply_site(site, cs, "other-listener");
  EXPECT_EQ(cs.patient->patient.identifier[0].system, "");
  apply_site(site, cs, "his-listener");
  EXPECT_EQ(cs.patient->patient.identifier[0].system, "urn:oid:1.2.3");
  EXPECT_EQ(identifier_kind(site, "urn:oid:1.2.3"), IdentifierKind::kMrn);
}

TEST(DefaultCharset, MostSpecificEntryNamingACharsetWins) {
  SiteProfile site;
  SourceProfile sender_wide;
  sender_wide.sender = "HIS^H";
  sender_wide.charset = "GBK";
  SourceProfile exact;
  exact.sender = "HIS^H";
  exact.source = "his-utf8";
  exact.charset = "UTF-8";
  SourceProfile codes_only;  // matches both fields but says nothing about the charset
  codes_only.sender = "HIS^H";
  codes_only.source = "his-codes";
  site.sources = {sender_wide, exact, codes_only};
  EXPECT_EQ(default_charset(site, "HIS^H", "his"), "GBK");
  EXPECT_EQ(default_charset(site, "HIS^H", "his-utf8"), "UTF-8");
  EXPECT_EQ(default_charset(site, "HIS^H", "his-codes"), "GBK");
  EXPECT_EQ(default_charset(site, "LIS^H", "his-utf8"), "");
  EXPECT_EQ(default_charset(site, "HIS^H", ""), "GBK");  // listener unknown: matched on the sender
}

}  // namespace
}  // namespace medgw::sites

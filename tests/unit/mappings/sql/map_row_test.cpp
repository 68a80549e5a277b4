// One polled row -> a change set by the site's row mapping (map_row.hpp), then the site profile
// applied as the pipeline does: identifiers typed, local codes mapped to LOINC, units to UCUM.
#include "mappings/sql/map_row.hpp"

#include <gtest/gtest.h>

#include "mappings/sites/apply_site.hpp"
#include "mappings/sites/site_loader.hpp"

namespace medgw::sql {
namespace {

const std::string kSitesDir = MEDGW_SITES_DIR;

// A site like the shipped cn-hospital one, with a row mapping for the LIS's result table.
const char* kSite = R"(
site: test-hospital
identifiers:
  authorities:
    BLH: {system: "http://h.example.cn/sid/mrn", type: MR, kind: mrn}
    SFZH: {system: "urn:oid:2.16.156.10011.1.1", type: NI, kind: national_id}
sources:
  - source: lis-db
    local_code_system: LIS
code_maps: [cn-hospital-lab-codes.csv]
units:
  ucum:
    mmol/L: [MMOL/L, mmol/l]
    U/L: [u/l, IU/L]
db_rows:
  lis-db:
    sender: "LIS^H"
    timezone: "+08:00"
    patient:
      identifiers:
        - {column: patient_no, assigner: BLH}
        - {column: id_card, assigner: SFZH}
      name: patient_name
      sex: sex
      birth_date: birth_date
    visit: {number: visit_no, class: patient_type}
    report:
      key: report_no
      code: panel_code
      name: panel_name
      time: sample_time
      issued: audit_time
      status: report_status
      status_map: {"已审核": final}
    observation:
      code: item_code
      name: item_name
      value: result
      unit: unit
      reference_range: ref_range
      abnormal_flag: flag
      flag_map: {"↑": H, "↓": L}
      time: result_time
)";

class MapRow : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sites::parse_site_profile(kSite, "test.yaml", kSitesDir);
    ASSERT_TRUE(s) << s.error();
    site_ = std::move(*s);
    ASSERT_EQ(site_.db_rows.count("lis-db"), 1u);
  }
  const RowMapping& mapping() const { return site_.db_rows.at("lis-db"); }

  // The row as the poller stores it, with `overrides` replacing (or, as "null", nulling) columns.
  static std::string row_json(const std::map<std::string, std::string>& overrides = {}) {
    std::map<std::string, std::string> cols{{"row_id", "\"17\""},
                                            {"patient_no", "\"M0001\""},
                                            {"id_card", "null"},
                                            {"PATIENT_NAME", "\"张三\""},
                                            {"sex", "\"男\""},
                                            {"birth_date", "\"1980-02-29 00:00:00\""},
                                            {"visit_no", "\"V9\""},
                                            {"patient_type", "\"O\""},
                                            {"report_no", "\"R1\""},
                                            {"panel_code", "\"BIO\""},
                                            {"panel_name", "\"生化\""},
                                            {"sample_time", "\"2024-05-01 07:30:00\""},
                                            {"audit_time", "\"2024-05-01 10:00:00\""},
                                            {"report_status", "\"已审核\""},
                                            {"item_code", "\"GLU\""},
                                            {"item_name", "\"葡萄糖\""},
                                            {"result", "\"6.8\""},
                                            {"unit", "\"MMOL/L\""},
                                            {"ref_range", "\"3.9-6.1\""},
                                            {"flag", "\"↑\""},
                                            {"result_time", "null"}};
    for (const auto& [k, v] : overrides) cols[k] = v;
    std::string out = R"({"source":"lis-db","columns":{)";
    bool first = true;
    for (const auto& [k, v] : cols) {
      if (v == "absent") continue;
      out += (first ? "" : ",") + ("\"" + k + "\":" + v);
      first = false;
    }
    return out + "}}";
  }

  Expected<model::ChangeSet, RowMapError> map(const std::map<std::string, std::string>& overrides = {}) const {
    auto row = parse_db_row(row_json(overrides));
    EXPECT_TRUE(row) << row.error();
    return map_row(mapping(), *row, "dbpoll|lis-db|17|2024-05-01 10:00:00");
  }

  sites::SiteProfile site_;
};

TEST_F(MapRow, OneRowIsAPatientAVisitAReportAndOneObservation) {
  auto cs = map();
  ASSERT_TRUE(cs) << cs.error().reason;
  EXPECT_EQ(cs->sender, "LIS^H");
  EXPECT_EQ(cs->message_control_id, "dbpoll|lis-db|17|2024-05-01 10:00:00");
  EXPECT_TRUE(cs->partial_reports);
  ASSERT_TRUE(cs->patient);
  const auto& p = cs->patient->patient;
  EXPECT_EQ(cs->patient->sender, "LIS^H");
  ASSERT_EQ(p.identifier.size(), 1u);  // id_card is NULL
  EXPECT_EQ(p.identifier[0].value, "M0001");
  EXPECT_EQ(p.identifier[0].assigner, "BLH");
  ASSERT_EQ(p.name.size(), 1u);
  EXPECT_EQ(p.name[0].text, "张三");  // PATIENT_NAME: columns match case-insensitively
  EXPECT_EQ(p.gender, "male");
  EXPECT_EQ(p.birth_date, "1980-02-29");

  ASSERT_EQ(cs->encounters.size(), 1u);
  EXPECT_EQ(cs->encounters[0].key, "V9");
  EXPECT_EQ(cs->encounters[0].resource.class_.code, "AMB");

  ASSERT_EQ(cs->reports.size(), 1u);
  const auto& r = cs->reports[0];
  EXPECT_EQ(r.key, "R1");
  EXPECT_EQ(r.resource.status, "final");  // by status_map
  EXPECT_EQ(r.resource.code.coding.at(0).code, "BIO");
  EXPECT_EQ(r.resource.code.coding.at(0).display, "生化");
  EXPECT_EQ(r.resource.effective_date_time, "2024-05-01T07:30:00+08:00");
  EXPECT_EQ(r.resource.issued, "2024-05-01T10:00:00+08:00");
  EXPECT_EQ(r.resource.encounter.reference, "Encounter/V9");
  ASSERT_EQ(r.resource.result.size(), 1u);
  EXPECT_EQ(r.resource.result[0].reference, "Observation/R1|GLU|");

  ASSERT_EQ(cs->observations.size(), 1u);
  const auto& o = cs->observations[0];
  EXPECT_EQ(o.key, "R1|GLU|");
  EXPECT_EQ(o.resource.status, "final");
  EXPECT_EQ(o.resource.effective_date_time, "2024-05-01T07:30:00+08:00");  // result_time NULL: the report's
  const auto* q = std::get_if<model::Quantity>(&o.resource.value);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->value.text, "6.8");
  EXPECT_EQ(q->unit, "MMOL/L");
  ASSERT_EQ(o.resource.reference_range.size(), 1u);
  EXPECT_EQ(o.resource.reference_range[0].low->value.text, "3.9");
  EXPECT_EQ(o.resource.reference_range[0].high->value.text, "6.1");
  ASSERT_EQ(o.resource.interpretation.size(), 1u);
  EXPECT_EQ(o.resource.interpretation[0].coding.at(0).code, "H");  // ↑ by flag_map
  EXPECT_TRUE(cs->warnings.empty()) << cs->warnings.front();
}

TEST_F(MapRow, TheSiteTypesIdentifiersCodesToLoincAndUnitsToUcum) {
  auto cs = map({{"id_card", "\"110101199003071234\""}});
  ASSERT_TRUE(cs) << cs.error().reason;
  sites::apply_site(site_, *cs, "lis-db");
  const auto& ids = cs->patient->patient.identifier;
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].system, "http://h.example.cn/sid/mrn");
  EXPECT_EQ(ids[0].type.coding.at(0).code, "MR");
  EXPECT_EQ(ids[1].system, "urn:oid:2.16.156.10011.1.1");
  const auto& code = cs->observations[0].resource.code.coding;
  ASSERT_EQ(code.size(), 2u);
  EXPECT_EQ(code[0].system, "http://loinc.org");
  EXPECT_EQ(code[0].code, "14749-6");
  EXPECT_EQ(code[1].code, "GLU");  // the local code kept after it
  const auto& q = std::get<model::Quantity>(cs->observations[0].resource.value);
  EXPECT_EQ(q.code, "mmol/L");
  EXPECT_EQ(q.system, "http://unitsofmeasure.org");
  EXPECT_EQ(cs->observations[0].resource.reference_range[0].high->code, "mmol/L");
}

TEST_F(MapRow, RowsOfOneReportShareItsKey) {
  auto a = map();
  auto b = map({{"row_id", "\"18\""}, {"item_code", "\"ALT\""}, {"result", "\"40\""}, {"unit", "\"U/L\""}});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reports[0].key, b->reports[0].key);
  EXPECT_EQ(b->observations[0].key, "R1|ALT|");
  EXPECT_EQ(b->reports[0].resource.result[0].reference, "Observation/R1|ALT|");
}

TEST_F(MapRow, ValuesThatAreNotPlainNumbers) {
  auto bounded = map({{"result", "\"<0.1\""}});
  ASSERT_TRUE(bounded);
  const auto& q = std::get<model::Quantity>(bounded->observations[0].resource.value);
  EXPECT_EQ(q.comparator, "<");
  EXPECT_EQ(q.value.text, "0.1");
  auto text = map({{"result", "\"阴性\""}, {"unit", "null"}, {"ref_range", "\"阴性\""}, {"flag", "null"}});
  ASSERT_TRUE(text);
  EXPECT_EQ(std::get<std::string>(text->observations[0].resource.value), "阴性");
  EXPECT_EQ(text->observations[0].resource.reference_range[0].text, "阴性");
  EXPECT_FALSE(text->observations[0].resource.reference_range[0].low);
  EXPECT_TRUE(text->observations[0].resource.interpretation.empty());
  auto empty = map({{"result", "null"}});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(empty->observations[0].resource.value));
}

TEST_F(MapRow, UnknownCodesAreWarningsWithoutValues) {
  auto cs = map({{"sex", "\"X9\""}, {"flag", "\"偏高\""}, {"report_status", "\"待定\""}, {"sample_time", "\"soon\""}});
  ASSERT_TRUE(cs) << cs.error().reason;
  EXPECT_EQ(cs->patient->patient.gender, "");
  EXPECT_EQ(cs->reports[0].resource.status, "unknown");
  EXPECT_EQ(cs->reports[0].resource.effective_date_time, "");
  EXPECT_EQ(cs->observations[0].resource.interpretation.at(0).text, "偏高");
  ASSERT_EQ(cs->warnings.size(), 4u);
  for (const auto& w : cs->warnings) {
    for (const char* value : {"X9", "偏高", "待定", "soon"}) EXPECT_EQ(w.find(value), std::string::npos) << w;
  }
}

TEST_F(MapRow, FailuresNameTheColumnAndKeyNeverTheValue) {
  struct Case {
    std::map<std::string, std::string> row;
    std::string reason;
  };
  const std::vector<Case> cases{
      {{{"report_no", "null"}}, "db_rows.lis-db.report.key: column 'report_no' is NULL or empty"},
      {{{"report_no", "\"  \""}}, "db_rows.lis-db.report.key: column 'report_no' is NULL or empty"},
      {{{"item_code", "absent"}},
       "db_rows.lis-db.observation.code: column 'item_code' is not in the row (the query does not select it)"},
      {{{"patient_no", "null"}}, "db_rows.lis-db.patient.identifiers: every identifier column is NULL or empty"},
      {{{"PATIENT_NAME", R"({"undecodable_base64":"1cXI/Q=="})"}},
       "db_rows.lis-db.patient.name: column 'patient_name' is not valid text in the source's encoding"},
  };
  for (const auto& c : cases) {
    auto cs = map(c.row);
    ASSERT_FALSE(cs) << c.reason;
    EXPECT_EQ(cs.error().reason, c.reason);
    EXPECT_EQ(cs.error().reason.find("M0001"), std::string::npos);
    EXPECT_EQ(cs.error().reason.find("张三"), std::string::npos);
  }
}

TEST(DbRow, ParseErrorsSayWhatIsWrong) {
  EXPECT_FALSE(parse_db_row("not json"));
  EXPECT_FALSE(parse_db_row(R"({"source":"x"})"));
  auto bad = parse_db_row(R"({"source":"x","columns":{"a":1}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "column 'a' is neither text, null nor undecodable bytes");
}

}  // namespace
}  // namespace medgw::sql

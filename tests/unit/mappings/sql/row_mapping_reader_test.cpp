// The site file's db_rows: section (row_mapping_reader.hpp): the shipped example parses, and bad
// sections are refused naming the file, line and key.
#include "mappings/sql/row_mapping_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mappings/sites/site_loader.hpp"

namespace medgw::sql {
namespace {

const std::string kSitesDir = MEDGW_SITES_DIR;

// The shipped cn-hospital.yaml with its commented db_rows example uncommented.
std::string shipped_with_example() {
  std::ifstream in(kSitesDir + "/cn-hospital.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string begin = "# --- db_rows example ---\n", end = "# --- end of db_rows example ---";
  const auto b = text.find(begin), e = text.find(end);
  EXPECT_NE(b, std::string::npos);
  EXPECT_NE(e, std::string::npos);
  std::string out = text.substr(0, b);
  std::istringstream block(text.substr(b + begin.size(), e - b - begin.size()));
  for (std::string line; std::getline(block, line);) out += (line.rfind("# ", 0) == 0 ? line.substr(2) : line) + "\n";
  return out;
}

TEST(RowMappingReader, TheShippedExampleParses) {
  auto site = sites::parse_site_profile(shipped_with_example(), "cn-hospital.yaml", kSitesDir);
  ASSERT_TRUE(site) << site.error();
  ASSERT_EQ(site->db_rows.count("lis-db"), 1u);
  const RowMapping& m = site->db_rows.at("lis-db");
  EXPECT_EQ(m.sender, "LIS^CNHOSP");
  EXPECT_EQ(m.timezone, "+08:00");
  ASSERT_EQ(m.patient.identifiers.size(), 2u);
  EXPECT_EQ(m.patient.identifiers[1].assigner, "SFZH");
  EXPECT_EQ(m.patient.sex_map.at("2"), "female");
  EXPECT_EQ(m.report.key, "report_no");
  EXPECT_EQ(m.report.status_map.at("初审"), "preliminary");
  EXPECT_EQ(m.observation.flag_map.at("↑"), "H");
  EXPECT_EQ(m.visit.patient_class, "patient_type");
}

TEST(RowMappingReader, TheShippedFileAsIsHasNoRowMapping) {
  auto site = sites::load_site_profile(kSitesDir + "/cn-hospital.yaml");
  ASSERT_TRUE(site) << site.error();
  EXPECT_TRUE(site->db_rows.empty());
}

std::string error_of(const std::string& db_rows) {
  auto site = sites::parse_site_profile("site: t\ndb_rows:\n" + db_rows, "t.yaml", "");
  return site ? std::string("(loaded)") : site.error();
}

const std::string kMinimal =
    "  lis:\n    sender: \"LIS^H\"\n    timezone: \"+08:00\"\n    patient: {identifiers: [{column: pid}]}\n"
    "    report: {key: rno}\n    observation: {code: item}\n";

TEST(RowMappingReader, AMinimalMapping) {
  auto site = sites::parse_site_profile("site: t\ndb_rows:\n" + kMinimal, "t.yaml", "");
  ASSERT_TRUE(site) << site.error();
  const RowMapping& m = site->db_rows.at("lis");
  EXPECT_EQ(m.report.default_status, "final");
  EXPECT_EQ(m.report.category, "LAB");
  EXPECT_TRUE(m.visit.number.empty());
}

TEST(RowMappingReader, BadSectionsAreRefusedNamingTheKey) {
  EXPECT_EQ(error_of(kMinimal + "    colour: red\n"),
            "t.yaml:9: db_rows.lis.colour: unknown key (allowed here: observation, patient, report, sender, timezone, "
            "visit)");
  EXPECT_EQ(error_of("  lis:\n    sender: \"LIS^H\"\n    patient: {identifiers: [{column: pid}]}\n"),
            "t.yaml:4: db_rows.lis.timezone: required");
  std::string bad_zone = kMinimal;
  bad_zone.replace(bad_zone.find("+08:00"), 6, "CST");
  EXPECT_EQ(error_of(bad_zone), "t.yaml:5: db_rows.lis.timezone: expected a UTC offset (+08:00) or Z");
  std::string bad_status = kMinimal;
  bad_status.replace(bad_status.find("{key: rno}"), 10, "{key: rno, status_map: {done: finished}}");
  EXPECT_EQ(error_of(bad_status).substr(0, 48), "t.yaml:7: db_rows.lis.report.status_map.done: mu");
  std::string no_key = kMinimal;
  no_key.replace(no_key.find("{key: rno}"), 10, "{code: x}");
  EXPECT_EQ(error_of(no_key), "t.yaml:7: db_rows.lis.report.key: required");
  std::string bad_id = kMinimal;
  bad_id.replace(bad_id.find("{column: pid}"), 13, "{column: pid, authority: BLH}");
  EXPECT_EQ(error_of(bad_id),
            "t.yaml:6: db_rows.lis.patient.identifiers[0].authority: unknown key (allowed here: assigner, column)");
  std::string bad_category = kMinimal;
  bad_category.replace(bad_category.find("{key: rno}"), 10, "{key: rno, category: LABS}");
  EXPECT_EQ(error_of(bad_category), "t.yaml:7: db_rows.lis.report.category: must be a table 0074 code (LAB, RAD, ...)");
}

}  // namespace
}  // namespace medgw::sql

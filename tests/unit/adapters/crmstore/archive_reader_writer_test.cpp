// The archive reader over what the store's writer keeps (versions, resource_history, search
// indexes), with nothing written by hand: the contract between the two sides (schema.cpp,
// migration 3).
#include "archive_reader_test_support.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::kLabPid;
using testing::kMrn;
using testing::mrn;
using testing::oru;
using testing::param;
using testing::patient;
using testing::query;

class ArchiveOverWriter : public testing::ReaderTest {};

TEST_F(ArchiveOverWriter, CorrectedResultIsVersionTwoAndVersionOneStaysReadable) {
  ASSERT_EQ(apply_one(1, oru("LIS", patient("LIS", {mrn("M1")}), "5.60")).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("M1")}), "6.10", "corrected")).status, ApplyStatus::kApplied);
  const std::string id = std::to_string(count("SELECT id FROM observations"));
  auto now = reader().read("Observation", id);
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->version, 2);
  EXPECT_EQ(parse((*now)->json)["valueQuantity"]["value"].GetDouble(), 6.10);
  EXPECT_STREQ(parse((*now)->json)["meta"]["versionId"].GetString(), "2");
  auto v1 = reader().vread("Observation", id, 1);
  ASSERT_TRUE(v1 && *v1);
  auto d1 = parse((*v1)->json);
  EXPECT_EQ(d1["valueQuantity"]["value"].GetDouble(), 5.60);
  EXPECT_STREQ(d1["status"].GetString(), "final");
  EXPECT_STREQ(d1["meta"]["versionId"].GetString(), "1");
  EXPECT_EQ(std::string(d1["id"].GetString()), id);
  auto h = reader().history("Observation", id);
  ASSERT_TRUE(h && *h);
  ASSERT_EQ((*h)->size(), 2u);
  EXPECT_EQ((**h)[0].version, 2);
  EXPECT_EQ((**h)[1].version, 1);
  // The same message again changes nothing: still version 2.
  ASSERT_EQ(apply_one(3, oru("LIS", patient("LIS", {mrn("M1")}), "6.10", "corrected")).status, ApplyStatus::kApplied);
  auto again = reader().read("Observation", id);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->version, 2);
}

TEST_F(ArchiveOverWriter, UpdatedSourceRecordKeepsItsPreviousVersion) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
  auto renamed = patient("HIS", {mrn("M1")}, "张", "叁");
  ASSERT_EQ(apply_one(2, adt("HIS", renamed, "ADT2")).status, ApplyStatus::kApplied);
  auto now = reader().read("Patient", "src-1");
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->version, 2);
  auto v1 = reader().vread("Patient", "src-1", 1);
  ASSERT_TRUE(v1 && *v1);
  auto d = parse((*v1)->json);
  EXPECT_STREQ(d["name"][0]["given"][0].GetString(), "三");
  EXPECT_STREQ(d["link"][0]["type"].GetString(), "refer");
  // The golden patient shows the latest name.
  const auto golden = golden_of_record(1);
  auto g = reader().read("Patient", std::to_string(golden));
  ASSERT_TRUE(g && *g);
  EXPECT_STREQ(parse((*g)->json)["name"][0]["given"][0].GetString(), "叁");
}

TEST_F(ArchiveOverWriter, SearchUsesTheIndexesTheWriterKeeps) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid), mrn("M1")}, "张", "三"))).status,
            ApplyStatus::kApplied);
  auto smith = patient("HIS2", {mrn("M3")}, "Smith", "John");
  smith.patient.birth_date = "1985-12";
  smith.patient.gender = "female";
  ASSERT_EQ(apply_one(3, adt("HIS2", smith, "ADT3")).status, ApplyStatus::kApplied);
  const auto a = std::to_string(golden_of_record(1)), c = std::to_string(golden_of_record(3));
  using V = std::vector<std::string>;
  auto ids_of = [&](SearchQuery q) {
    auto page = reader().search(q);
    EXPECT_TRUE(page) << (page ? "" : page.error().message);
    return page ? ids(page->matches) : V{};
  };
  EXPECT_EQ(ids_of(query("Patient", {param("name", {"张"})})), V{a});
  EXPECT_EQ(ids_of(query("Patient", {param("name", {"smi"})})), V{c});
  EXPECT_EQ(ids_of(query("Patient", {param("given", {"JOHN"})})), V{c});
  EXPECT_EQ(ids_of(query("Patient", {param("birthdate", {"1990-03-07"})})), V{a});
  EXPECT_EQ(ids_of(query("Patient", {param("birthdate", {"1985"})})), V{c});
  EXPECT_EQ(ids_of(query("Patient", {param("gender", {"female"})})), V{c});
  EXPECT_EQ(ids_of(query("Patient", {param("identifier", {kLabPid + "|L1"})})), V{a});
  EXPECT_EQ(ids_of(query("Patient", {param("identifier", {kMrn + "|M1"})})), V{a});

  const auto obs = std::to_string(count("SELECT id FROM observations"));
  const auto report = std::to_string(count("SELECT id FROM reports"));
  EXPECT_EQ(ids_of(query("Observation", {param("code", {"http://loinc.org|2345-7"}), param("patient", {a})})), V{obs});
  EXPECT_EQ(ids_of(query("Observation", {param("code", {"2345-7"}), param("patient", {c})})), V{});
  EXPECT_EQ(ids_of(query("DiagnosticReport", {param("code", {"24323-8"})})), V{report});
  auto with_results = query("DiagnosticReport", {param("subject", {"Patient/src-2"})});
  with_results.include_results = true;
  auto page = reader().search(with_results);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids(page->matches), V{report});
  EXPECT_EQ(ids(page->included), V{obs});
  EXPECT_EQ(ids_of(query("Encounter", {param("class", {"IMP"}), param("patient", {c})})),
            V{std::to_string(count("SELECT id FROM encounters WHERE source_record_id = 3"))});
}

}  // namespace
}  // namespace medgw::crmstore

// ArchiveReader::search: every parameter, date prefixes and precision, tokens, names, sorting,
// keyset paging while rows arrive, _include, totals, and the errors a client gets.
#include <algorithm>
#include <set>

#include "adapters/crmstore/search_date.hpp"
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

class ArchiveSearch : public testing::ReaderTest {
 protected:
  // Patient A: 张三, 1990-03-07, male, HIS M1 (src-1) and the lab's L1 (src-2, with a report and a
  // glucose result). Patient B: 李四, 1985-12-01, female, lab L2 (src-3). Patient C: John Smith, HIS
  // M3 from a second HIS (src-4), 1990, birth date known to the year only.
  void SetUp() override {
    ReaderTest::SetUp();
    ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "张", "三"))).status, ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid), mrn("M1")}, "张", "三"))).status,
              ApplyStatus::kApplied);
    auto b = patient("LIS", {mrn("L2", kLabPid)}, "李", "四");
    b.patient.birth_date = "1985-12-01";
    b.patient.gender = "female";
    ASSERT_EQ(apply_one(3, adt("LIS", b, "ADT3")).status, ApplyStatus::kApplied);
    auto c = patient("HIS2", {mrn("M3")}, "Smith", "John");
    c.patient.birth_date = "1990";
    ASSERT_EQ(apply_one(4, adt("HIS2", c, "ADT4")).status, ApplyStatus::kApplied);
    a_ = golden_of_record(1);
    b_ = golden_of_record(3);
    c_ = golden_of_record(4);
    ASSERT_EQ(golden_of_record(2), a_);
    ASSERT_EQ(std::set<std::int64_t>({a_, b_, c_}).size(), 3u);
    const std::vector<std::pair<std::int64_t, std::string>> parts{{1, "张"}, {1, "三"}, {2, "张"},    {2, "三"},
                                                                  {3, "李"}, {3, "四"}, {4, "smith"}, {4, "john"}};
    for (const auto& [record, part] : parts) {
      name_part(record, part);
    }
    demographics(1, "1990-03-07", "male");
    demographics(2, "1990-03-07", "male");
    demographics(3, "1985-12-01", "female");
    demographics(4, "1990", "male");
    glucose_ = count("SELECT id FROM observations");
    report_ = count("SELECT id FROM reports");
    token("Observation", glucose_, "code", "http://loinc.org", "2345-7");
    token("Observation", glucose_, "category", "http://terminology.hl7.org/CodeSystem/observation-category",
          "laboratory");
    token("DiagnosticReport", report_, "code", "http://loinc.org", "24323-8");
  }

  std::vector<std::string> search_ids(SearchQuery q) {
    auto page = reader().search(q);
    EXPECT_TRUE(page) << (page ? "" : page.error().message);
    if (!page) return {};
    return ids(page->matches);
  }

  ArchiveError error_of(SearchQuery q) {
    auto page = reader().search(q);
    EXPECT_FALSE(page);
    return page ? ArchiveError{} : page.error();
  }

  std::string p(std::int64_t golden) { return "Patient/" + std::to_string(golden); }
  static std::string s(std::int64_t id) { return std::to_string(id); }

  std::int64_t a_ = 0, b_ = 0, c_ = 0, glucose_ = 0, report_ = 0;
};

TEST_F(ArchiveSearch, PatientByIdentifier) {
  using V = std::vector<std::string>;
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {kMrn + "|M1"})})), V{s(a_)});  // two records, once
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {"L2"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {kLabPid + "|"})})), (V{s(a_), s(b_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {kLabPid + "|M1"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {"L2", kMrn + "|M3"})})), (V{s(b_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("identifier", {"nobody"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("_id", {s(c_), "x"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {})), (V{s(a_), s(b_), s(c_)}));
  // Golden patients as read() serves them.
  auto page = reader().search(query("Patient", {param("identifier", {"M3"})}));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->matches.size(), 1u);
  auto d = parse(page->matches[0].json);
  EXPECT_STREQ(d["name"][0]["family"].GetString(), "Smith");
  EXPECT_TRUE(d["meta"].HasMember("versionId"));
}

TEST_F(ArchiveSearch, PatientByNamePrefixIncludingChinese) {
  using V = std::vector<std::string>;
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"张"})})), V{s(a_)});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"李"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"四"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"王"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"SMI"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {" jo"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"smithers"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"张", "smith"})})), (V{s(a_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("family", {"Smi"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {param("family", {"jo"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("given", {"Jo"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {param("given", {"smith"})})), V{});
  EXPECT_EQ(search_ids(query("Patient", {param("family", {"张"})})), V{s(a_)});
  EXPECT_EQ(search_ids(query("Patient", {param("given", {"三"})})), V{s(a_)});
  // AND across parameters.
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"张", "李"}), param("gender", {"female"})})), V{s(b_)});
}

TEST_F(ArchiveSearch, PatientByBirthDateWithPrefixesAndPrecision) {
  using V = std::vector<std::string>;
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"1990-03-07"})})), V{s(a_)});
  // C was born "1990": within the year 1990, not within March.
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"1990"})})), (V{s(a_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"1990-03"})})), V{s(a_)});
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"lt1990-03-07"})})), (V{s(b_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"ge1986"})})), (V{s(a_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"gt1990-03-07"})})), V{s(c_)});
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"le1985-12-01"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"ne1990"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"eb1990"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"sa1985-12"})})), (V{s(a_), s(c_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"1985", "1990-03"})})), (V{s(a_), s(b_)}));
  EXPECT_EQ(search_ids(query("Patient", {param("birthdate", {"ge1985"}), param("birthdate", {"lt1990"})})), V{s(b_)});
  EXPECT_EQ(search_ids(query("Patient", {param("gender", {"male"})})), (V{s(a_), s(c_)}));
  for (const char* bad : {"1990-03-07T10:00:00Z", "ap1990", "1990-13", "1990-02-30", "March", "199"}) {
    auto e = error_of(query("Patient", {param("birthdate", {bad})}));
    EXPECT_EQ(e.kind, ArchiveErrorKind::kInvalidRequest) << bad;
    EXPECT_EQ(e.parameter, "birthdate") << bad;
    EXPECT_EQ(e.message.find(bad), std::string::npos) << "values stay out of messages";
  }
}

TEST_F(ArchiveSearch, MergedAwayPatientsAreNotResults) {
  ASSERT_EQ(apply_one(5, adt("HIS", patient("HIS", {mrn("M5")}, "王", "五"), "ADT5")).status, ApplyStatus::kApplied);
  name_part(5, "王");
  name_part(5, "五");
  const auto e = golden_of_record(5);
  ASSERT_NE(e, a_);
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"王"})})), std::vector<std::string>{s(e)});
  model::ChangeSet a40;
  a40.message_type = "ADT^A40";
  a40.sender = "HIS";
  a40.patient = patient("HIS", {mrn("M1")}, "张", "三");
  a40.merges.push_back({patient("HIS", {mrn("M1")}, "张", "三"), {mrn("M5")}});
  ASSERT_EQ(apply_one(6, a40).status, ApplyStatus::kApplied);
  // The record and its names moved to A; the merged patient is no result any more.
  EXPECT_EQ(search_ids(query("Patient", {param("name", {"王"})})), std::vector<std::string>{s(a_)});
  EXPECT_EQ(search_ids(query("Patient", {param("_id", {s(e)})})), std::vector<std::string>{});
  // References to the merged patient find the survivor's resources (they moved there).
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {p(e)})})), std::vector<std::string>{s(glucose_)});
}

TEST_F(ArchiveSearch, ObservationByPatientInEveryForm) {
  using V = std::vector<std::string>;
  const V glucose{s(glucose_)};
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {p(a_)})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {s(a_)})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("subject", {"Patient/src-1"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("subject", {"src-2"}, "Patient")})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {"https://gw.example/fhir/" + p(a_)})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {p(b_)})})), V{});
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {"Patient/999", "Patient/src-999", "x"})})), V{});
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {p(b_), p(a_)})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("_id", {s(glucose_)})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("_id", {"999"})})), V{});
  for (const char* bad : {"Observation/1", "Patient/", "Patient/1/_history/2"}) {
    EXPECT_EQ(error_of(query("Observation", {param("patient", {bad})})).parameter, "patient") << bad;
  }
  EXPECT_EQ(error_of(query("Observation", {param("subject", {p(a_)}, "Group")})).parameter, "subject");
}

TEST_F(ArchiveSearch, TokensWithAndWithoutSystem) {
  using V = std::vector<std::string>;
  const V glucose{s(glucose_)};
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"2345-7"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"http://loinc.org|2345-7"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"http://loinc.org|"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"http://other|2345-7"})})), V{});
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"|2345-7"})})), V{});  // stored with a system
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"9999-9", "2345-7"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("category", {"laboratory"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("category", {"vital-signs"})})), V{});
  EXPECT_EQ(search_ids(query("Observation", {param("status", {"final"})})), glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("status", {"amended", "corrected"})})), V{});
  EXPECT_EQ(search_ids(query("Observation",
                             {param("code", {"2345-7"}), param("status", {"final"}), param("patient", {p(a_)})})),
            glucose);
  EXPECT_EQ(search_ids(query("Observation", {param("code", {"2345-7"}), param("patient", {p(b_)})})), V{});
  // Another type's tokens are not this type's.
  EXPECT_EQ(search_ids(query("DiagnosticReport", {param("code", {"2345-7"})})), V{});
  EXPECT_EQ(search_ids(query("DiagnosticReport", {param("code", {"http://loinc.org|24323-8"})})), V{s(report_)});
  EXPECT_EQ(error_of(query("Observation", {param("code", {"|"})})).parameter, "code");
  // An empty value is ignored, as FHIR says.
  EXPECT_EQ(search_ids(query("Observation", {param("code", {""})})), glucose);
}

class ArchiveSearchDates : public ArchiveSearch {
 protected:
  void SetUp() override {
    ArchiveSearch::SetUp();
    // Patient B's results, with dates of every precision and zone.
    may_ = insert_row("observations", "Observation", 3, "2020-05-01");
    late_z_ = insert_row("observations", "Observation", 3, "2020-12-31T23:30:00Z");
    beijing_ = insert_row("observations", "Observation", 3, "2021-01-01T00:30:00+08:00");  // 2020-12-31T16:30Z
    june_ = insert_row("observations", "Observation", 3, "2021-06");
    undated_ = insert_row("observations", "Observation", 3, "");
  }
  std::vector<std::string> dates(std::vector<std::string> values, ArchiveReaderOptions options = {}) {
    reader(options);
    std::vector<SearchParam> params{param("patient", {p(b_)})};
    for (auto& v : values) params.push_back(param("date", {v}));
    return search_ids(query("Observation", std::move(params)));
  }
  std::int64_t may_ = 0, late_z_ = 0, beijing_ = 0, june_ = 0, undated_ = 0;
};

TEST_F(ArchiveSearchDates, PrefixesAndPrecision) {
  using V = std::vector<std::string>;
  EXPECT_EQ(dates({"2020"}), (V{s(may_), s(late_z_), s(beijing_)}));
  EXPECT_EQ(dates({"eq2020-12-31"}), (V{s(late_z_), s(beijing_)}));
  EXPECT_EQ(dates({"2020-12-31T23:30:00Z"}), V{s(late_z_)});
  EXPECT_EQ(dates({"2020-12-31T23:30Z"}), V{s(late_z_)});  // that minute
  EXPECT_EQ(dates({"2021-01-01T00:30:00+08:00"}), V{s(beijing_)});
  EXPECT_EQ(dates({"ge2021"}), V{s(june_)});
  EXPECT_EQ(dates({"lt2021-01-01"}), (V{s(may_), s(late_z_), s(beijing_)}));
  EXPECT_EQ(dates({"le2020-05-01"}), V{s(may_)});
  EXPECT_EQ(dates({"gt2020-12-31"}), V{s(june_)});
  EXPECT_EQ(dates({"sa2020-12-31"}), V{s(june_)});
  EXPECT_EQ(dates({"eb2020-06"}), V{s(may_)});
  EXPECT_EQ(dates({"ne2020"}), V{s(june_)});  // no date: neither equal nor unequal
  // A month stored is inside the year searched, not inside a day of it.
  EXPECT_EQ(dates({"2021"}), V{s(june_)});
  EXPECT_EQ(dates({"2021-06-15"}), V{});
  EXPECT_EQ(dates({"gt2021-06-15"}), V{s(june_)});  // the month reaches past that day
  // A range: repeated parameters are ANDed.
  EXPECT_EQ(dates({"ge2020-06", "lt2021"}), (V{s(late_z_), s(beijing_)}));
  // OR across comma-separated values.
  reader();
  EXPECT_EQ(search_ids(query("Observation", {param("patient", {p(b_)}), param("date", {"2020-05", "2021-06"})})),
            (V{s(may_), s(june_)}));
  for (const char* bad : {"ap2020", "2020-13", "2020-1", "20", "2020-05-01T25:00Z", "2020-05-01 10:00", "x"}) {
    auto e = error_of(query("Observation", {param("date", {bad})}));
    EXPECT_EQ(e.kind, ArchiveErrorKind::kInvalidRequest) << bad;
    EXPECT_EQ(e.parameter, "date") << bad;
  }
}

TEST_F(ArchiveSearchDates, DatesWithoutZoneAreTheSitesLocalDays) {
  using V = std::vector<std::string>;
  ArchiveReaderOptions beijing;
  beijing.utc_offset = std::chrono::hours{8};
  // 1 January in Beijing runs from 2020-12-31T16:00Z: both late-December instants are in it.
  EXPECT_EQ(dates({"2021-01-01"}, beijing), (V{s(late_z_), s(beijing_)}));
  EXPECT_EQ(dates({"2020-12-31"}, beijing), V{});
  EXPECT_EQ(dates({"2020-05-01"}, beijing), V{s(may_)});  // a stored date is a local day too
}

TEST_F(ArchiveSearchDates, SortByDateBothWays) {
  using V = std::vector<std::string>;
  reader();
  auto q = query("Observation", {param("patient", {p(b_)})});
  q.sort = "-date";
  EXPECT_EQ(search_ids(q), (V{s(june_), s(late_z_), s(beijing_), s(may_), s(undated_)}));
  q.sort = "date";
  EXPECT_EQ(search_ids(q), (V{s(undated_), s(may_), s(beijing_), s(late_z_), s(june_)}));
  q.sort = "";
  EXPECT_EQ(search_ids(q), (V{s(may_), s(late_z_), s(beijing_), s(june_), s(undated_)}));
  q.sort = "status";
  EXPECT_EQ(error_of(q).parameter, "_sort");
  auto pq = query("Patient", {});
  pq.sort = "-date";
  EXPECT_EQ(error_of(pq).parameter, "_sort");
}

// Pages of 2 over 5 rows while rows keep arriving: every row that existed at the first page is
// served exactly once, in order.
TEST_F(ArchiveSearchDates, KeysetPagingNeitherSkipsNorRepeats) {
  for (const char* sort : {"", "-date", "date"}) {
    SCOPED_TRACE(sort);
    std::vector<std::string> before;
    {
      auto all = query("Observation", {param("patient", {p(b_)})});
      all.sort = sort;
      before = search_ids(all);
      ASSERT_EQ(before.size(), 5u);
    }
    auto q = query("Observation", {param("patient", {p(b_)})});
    q.sort = sort;
    q.count = 2;
    std::vector<std::string> served;
    std::set<std::string> added;
    int pages = 0;
    for (;;) {
      auto page = reader().search(q);
      ASSERT_TRUE(page) << page.error().message;
      ++pages;
      for (const auto& r : page->matches) served.push_back(r.id);
      if (page->next_cursor.empty()) break;
      EXPECT_EQ(page->next_cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                std::string::npos);
      // New results after the first two pages: one dated before everything, one after everything
      // (by id, both after everything: then they are served too, which is fine).
      if (pages <= 2) {
        added.insert(s(insert_row("observations", "Observation", 3, "2019-01-01")));
        added.insert(s(insert_row("observations", "Observation", 3, "2030-01-01")));
      }
      q.cursor = page->next_cursor;
      ASSERT_LT(pages, 20);
    }
    EXPECT_GE(pages, 3);
    std::vector<std::string> old;
    std::set<std::string> seen;
    for (const auto& id : served) {
      EXPECT_TRUE(seen.insert(id).second) << "served twice: " << id;
      if (!added.count(id)) old.push_back(id);
    }
    EXPECT_EQ(old, before);  // all of them, in the order of the first search
    exec("DELETE FROM observations WHERE sender = 'TEST' AND effective IN ('2019-01-01', '2030-01-01')");
  }
}

TEST_F(ArchiveSearchDates, CountAndTotal) {
  reader();
  auto q = query("Observation", {param("patient", {p(b_)})});
  q.count = 2;
  q.total = true;
  auto page = reader().search(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->matches.size(), 2u);
  EXPECT_EQ(page->total, 5);
  q.cursor = page->next_cursor;
  auto second = reader().search(q);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->total, 5);  // the whole search, not what is left
  q.cursor.clear();
  q.count = 0;
  q.total = false;
  auto only_total = reader().search(q);
  ASSERT_TRUE(only_total);
  EXPECT_TRUE(only_total->matches.empty());
  EXPECT_EQ(only_total->total, 5);
  EXPECT_TRUE(only_total->next_cursor.empty());
  q.count = 100000;  // lowered to kMaxSearchCount
  auto all = reader().search(q);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->matches.size(), 5u);
  EXPECT_FALSE(all->total);
  auto patients = query("Patient", {param("gender", {"male"})});
  patients.count = 1;
  patients.total = true;
  auto pp = reader().search(patients);
  ASSERT_TRUE(pp);
  EXPECT_EQ(pp->matches.size(), 1u);
  EXPECT_EQ(pp->total, 2);
  patients.cursor = pp->next_cursor;
  auto pp2 = reader().search(patients);
  ASSERT_TRUE(pp2);
  EXPECT_EQ(ids(pp2->matches), std::vector<std::string>{s(c_)});
  EXPECT_TRUE(pp2->next_cursor.empty());
}

TEST_F(ArchiveSearch, IncludeResultsOfReports) {
  // A second report naming the same result and one that does not exist.
  const auto second = insert_row("reports", "DiagnosticReport", 2, "2026-11-03", "final",
                                 ",\"result\":[{\"reference\":\"Observation/" + s(glucose_) +
                                     "\"},{\"reference\":\"Observation/999\"},{\"reference\":\"Observation/F9|x|\"}]");
  auto q = query("DiagnosticReport", {param("patient", {p(a_)})});
  q.include_results = true;
  auto page = reader().search(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids(page->matches), (std::vector<std::string>{s(report_), s(second)}));
  ASSERT_EQ(page->included.size(), 1u);
  EXPECT_EQ(page->included[0].type, "Observation");
  EXPECT_EQ(page->included[0].id, s(glucose_));
  EXPECT_TRUE(parse(page->included[0].json).HasMember("meta"));
  auto wrong = query("Observation", {});
  wrong.include_results = true;
  EXPECT_EQ(error_of(wrong).parameter, "_include");
}

TEST_F(ArchiveSearch, OtherTypesByTheirParameters) {
  using V = std::vector<std::string>;
  const auto encounter = count("SELECT id FROM encounters WHERE source_record_id = 1");
  token("Encounter", encounter, "code", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP");
  EXPECT_EQ(search_ids(query("Encounter", {param("patient", {p(a_)}), param("class", {"IMP"}),
                                           param("status", {"in-progress"}), param("date", {"2026-11"})})),
            V{s(encounter)});
  EXPECT_EQ(search_ids(query("Encounter", {param("patient", {p(a_)}), param("date", {"lt2026"})})), V{});
  const auto order = insert_row("orders", "ServiceRequest", 1, "2026-10-30", "active");
  EXPECT_EQ(search_ids(query("ServiceRequest", {param("authored", {"2026-10-30"}), param("status", {"active"})})),
            V{s(order)});
  EXPECT_EQ(search_ids(query("ServiceRequest", {param("date", {"2026-10"})})), V{s(order)});
  const auto doc = insert_row("documents", "DocumentReference", 3, "2026-09-01T12:00:00+08:00", "current");
  token("DocumentReference", doc, "code", "http://loinc.org", "11506-3");
  EXPECT_EQ(
      search_ids(query("DocumentReference", {param("type", {"http://loinc.org|11506-3"}), param("subject", {p(b_)})})),
      V{s(doc)});
  const auto study = insert_row("imaging_studies", "ImagingStudy", 4, "2026-08-01", "available");
  token("ImagingStudy", study, "code", "http://dicom.nema.org/resources/ontology/DCM", "CT");
  EXPECT_EQ(search_ids(query("ImagingStudy", {param("modality", {"CT"}), param("started", {"2026"})})), V{s(study)});
  EXPECT_EQ(search_ids(query("ImagingStudy", {param("patient", {p(a_)})})), V{});
  EXPECT_EQ(search_ids(query("DiagnosticReport", {param("date", {"2026-11-01"}), param("status", {"final"})})),
            V{s(report_)});
}

TEST_F(ArchiveSearch, ErrorsNameTheParameter) {
  auto unknown = error_of(query("Observation", {param("foo", {"1"})}));
  EXPECT_EQ(unknown.kind, ArchiveErrorKind::kInvalidRequest);
  EXPECT_EQ(unknown.parameter, "foo");
  EXPECT_NE(unknown.message.find("'foo'"), std::string::npos);
  EXPECT_EQ(error_of(query("Patient", {param("code", {"1"})})).parameter, "code");
  EXPECT_EQ(error_of(query("Encounter", {param("code", {"IMP"})})).parameter, "code");  // FHIR: class / type
  EXPECT_EQ(error_of(query("Observation", {param("code", {"x"}, "text")})).parameter, "code");
  EXPECT_EQ(error_of(query("Patient", {param("name", {"x"}, "exact")})).parameter, "name");
  EXPECT_EQ(error_of(query("Binary", {})).parameter, "_type");
  auto q = query("Observation", {});
  q.cursor = "not a cursor!";
  EXPECT_EQ(error_of(q).parameter, "cursor");
  // A cursor of another sort order.
  insert_row("observations", "Observation", 3, "2020-01-01");
  auto first = query("Observation", {});
  first.count = 1;
  auto page = reader().search(first);
  ASSERT_TRUE(page);
  ASSERT_FALSE(page->next_cursor.empty());
  first.cursor = page->next_cursor;
  first.sort = "-date";
  EXPECT_EQ(error_of(first).parameter, "cursor");
}

TEST(SearchDate, RangesOfEachPrecision) {
  using search::parse_date_search;
  const std::chrono::minutes utc{0};
  auto r = parse_date_search("2020", utc, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lo, "2020-01-01T00:00:00.000Z");
  EXPECT_EQ(r->hi, "2021-01-01T00:00:00.000Z");
  r = parse_date_search("ge2020-02", utc, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prefix, search::DatePrefix::kGe);
  EXPECT_EQ(r->hi, "2020-03-01T00:00:00.000Z");
  r = parse_date_search("2020-12-31T23:59:59.5+08:00", utc, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lo, "2020-12-31T15:59:59.500Z");
  EXPECT_EQ(r->hi, "2020-12-31T15:59:59.501Z");
  r = parse_date_search("2020-12-31", std::chrono::hours{8}, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lo, "2020-12-30T16:00:00.000Z");
  r = parse_date_search("eb1985-12", utc, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lo, "1985-12-01");
  EXPECT_EQ(r->hi, "1986-01-01");
  r = parse_date_search("2024-02-29", utc, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hi, "2024-03-01");
  EXPECT_FALSE(parse_date_search("2023-02-29", utc, true));
  EXPECT_FALSE(parse_date_search("2020-01-01T10:00Z", utc, true));
  EXPECT_FALSE(parse_date_search("2020-01-01T10:00+8", utc, false));
  EXPECT_FALSE(parse_date_search("9999-12-31", utc, false));  // its end is past year 9999
}

}  // namespace
}  // namespace medgw::crmstore

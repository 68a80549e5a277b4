// Patient/$match on the archive reader (ArchiveReader::match, mappings/mpi/patient_match.hpp): a
// store filled through SqliteCrmStore::apply, then queried on the reader's own connection. Grades
// and scores from the patient index's rules, the order, onlyCertainMatches and count, the store's
// current model, and nothing written.
#include <gtest/gtest.h>

#include <map>

#include "archive_reader_test_support.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::mrn;
using testing::national;
using testing::patient;
using testing::valid_national_id;

class ArchiveMatch : public testing::ReaderTest {
 protected:
  static model::Patient with_address(model::Patient p) {
    model::Address a;
    a.line = {"12 maltby circuit"};
    a.city = "coolaroo";
    a.postal_code = "3465";
    p.address = {a};
    return p;
  }

  // Golden 1: 张三 with an MRN and a valid national ID. Golden 2: Kayla Harrington with an
  // address. Golden 3: Kayla Harrington again under another MRN of the same hospital, without the
  // address (the resolver gave her a golden patient of her own and a review task).
  void fill() {
    ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1"), national(valid_national_id())}))).status,
              ApplyStatus::kApplied);
    auto kayla = patient("HIS", {mrn("M2")}, "Harrington", "Kayla");
    kayla.patient = with_address(kayla.patient);
    ASSERT_EQ(apply_one(2, adt("HIS", kayla, "ADT2")).status, ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M3")}, "Harrington", "Kayla"), "ADT3")).status,
              ApplyStatus::kApplied);
    ASSERT_EQ(count("SELECT count(*) FROM golden_patients"), 3);
  }

  static model::Patient query(std::vector<model::Identifier> ids, const std::string& family = "",
                              const std::string& given = "") {
    model::Patient p;
    p.identifier = std::move(ids);
    if (!family.empty() || !given.empty()) {
      model::HumanName n;
      n.family = family;
      if (!given.empty()) n.given.push_back(given);
      p.name.push_back(n);
    }
    p.birth_date = "1990-03-07";
    p.gender = "male";
    return p;
  }

  PatientMatchAnswer match(const model::Patient& p, bool only_certain = false, std::size_t count = 10) {
    PatientMatchOptions o;
    o.only_certain = only_certain;
    o.count = count;
    o.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}};
    auto r = reader().match(p, o);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : PatientMatchAnswer{};
  }

  static std::vector<std::string> ids(const PatientMatchAnswer& a) {
    std::vector<std::string> out;
    for (const auto& m : a.matches) out.push_back(m.patient.id);
    return out;
  }

  // Every table's row count: what "nothing written" is checked against.
  std::map<std::string, std::int64_t> row_counts() {
    std::map<std::string, std::int64_t> out;
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::vector<std::string> tables;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", -1, &st,
                       nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    for (const auto& t : tables) out[t] = count("SELECT count(*) FROM \"" + t + "\"");
    return out;
  }
};

TEST_F(ArchiveMatch, ASharedNationalIdIsCertainWithScoreOne) {
  fill();
  // Only the national ID (another sender's spelling: lower-case nothing, same value), no name.
  const auto a = match(query({national(valid_national_id())}));
  ASSERT_EQ(ids(a), std::vector<std::string>{"1"});
  EXPECT_EQ(a.matches[0].grade, mpi::MatchGrade::kCertain);
  EXPECT_EQ(a.matches[0].score, 1.0);
  EXPECT_EQ(a.matches[0].patient.type, "Patient");
  EXPECT_EQ(a.matches[0].patient.golden, 1);
  // The golden patient as read() serves it.
  auto read = reader().read("Patient", "1");
  ASSERT_TRUE(read && *read);
  EXPECT_EQ(a.matches[0].patient.json, (*read)->json);
  EXPECT_EQ(a.model_version, 0) << "the built-in default on a store without a trained model";
}

TEST_F(ArchiveMatch, AnMrnWithItsAuthorityIsCertainAndWithoutItIsNothing) {
  fill();
  const auto a = match(query({mrn("M2")}));
  ASSERT_EQ(ids(a), std::vector<std::string>{"2"});
  EXPECT_EQ(a.matches[0].grade, mpi::MatchGrade::kCertain);
  EXPECT_EQ(a.matches[0].score, 1.0);
  // The same number under another authority names nobody.
  EXPECT_TRUE(match(query({mrn("M2", "urn:oid:9.9.9")})).matches.empty());
}

TEST_F(ArchiveMatch, DemographicsAreGradedByTheThresholdsBestFirst) {
  fill();
  // Kayla with her address: golden 2 scores above the link threshold (certain); golden 3 lacks the
  // address, so name, birth date and sex alone put her between the thresholds (probable). 张三
  // shares no blocking key and is not compared.
  const auto a = match(with_address(query({}, "Harrington", "Kayla")));
  ASSERT_EQ(ids(a), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(a.matches[0].grade, mpi::MatchGrade::kCertain);
  EXPECT_EQ(a.matches[1].grade, mpi::MatchGrade::kProbable);
  EXPECT_GT(a.matches[0].score, a.matches[1].score);
  EXPECT_LT(a.matches[0].score, 1.0) << "1 is for a shared identifier";
  EXPECT_GT(a.matches[1].score, 0.5);
  // Without the address both are probable; a typo in the given name still finds them.
  const auto b = match(query({}, "Harrington", "Kaila"));
  ASSERT_EQ(b.matches.size(), 2u);
  for (const auto& m : b.matches) EXPECT_EQ(m.grade, mpi::MatchGrade::kProbable);
  // Below the review threshold is left out: the same birth date and a family name sharing its
  // first letters (a blocking key), another person.
  EXPECT_TRUE(match(query({}, "Harper", "Zed")).matches.empty());
}

TEST_F(ArchiveMatch, AnotherMrnOfTheSameAuthorityLowersCertainToProbable) {
  fill();
  // Golden 2's demographics, but an MRN of the hospital that numbered her M2: as the resolver
  // would, the index asks a person rather than link below same_authority_link_threshold (raised
  // here above any score, so the rule, not the figures, decides).
  mpi::MatchModel m = mpi::default_match_model();
  m.same_authority_link_threshold = 500.0;
  ASSERT_TRUE(store_->save_match_model(m));
  const auto a = match(with_address(query({mrn("M9")}, "Harrington", "Kayla")));
  ASSERT_FALSE(a.matches.empty());
  EXPECT_EQ(a.matches[0].patient.id, "2");
  EXPECT_EQ(a.matches[0].grade, mpi::MatchGrade::kProbable);
  // Without the MRN the same score is certain.
  const auto b = match(with_address(query({}, "Harrington", "Kayla")));
  ASSERT_FALSE(b.matches.empty());
  EXPECT_EQ(b.matches[0].patient.id, "2");
  EXPECT_EQ(b.matches[0].grade, mpi::MatchGrade::kCertain);
  EXPECT_EQ(a.matches[0].score, b.matches[0].score) << "the grade changes, not the score";
}

TEST_F(ArchiveMatch, OnlyCertainMatchesAndCountAreHonoured) {
  fill();
  const auto p = with_address(query({}, "Harrington", "Kayla"));
  EXPECT_EQ(ids(match(p, /*only_certain=*/true)), std::vector<std::string>{"2"});
  EXPECT_EQ(ids(match(p, false, /*count=*/1)), std::vector<std::string>{"2"});
  EXPECT_TRUE(match(query({}, "Harrington", "Kaila"), true).matches.empty()) << "probable ones only";
  // Two patients certain at once (identifiers pointing at both): both graded without the flag,
  // identifier matches by golden id; with it, none, and the answer says why.
  const auto both = query({mrn("M1"), mrn("M2")});
  const auto a = match(both);
  ASSERT_EQ(ids(a), (std::vector<std::string>{"1", "2"}));
  EXPECT_FALSE(a.ambiguous);
  const auto c = match(both, true);
  EXPECT_TRUE(c.matches.empty());
  EXPECT_TRUE(c.ambiguous);
}

TEST_F(ArchiveMatch, APatientWithNothingToMatchOnIsTheClientsMistake) {
  fill();
  model::Patient p;
  p.gender = "male";
  p.identifier.push_back(model::Identifier{});
  p.identifier.back().value = "M1";  // no system: not an identifier the index trusts
  auto r = reader().match(p, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ArchiveErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().parameter, "resource");
  EXPECT_EQ(r.error().message.find("M1"), std::string::npos) << "no value in the message";
}

TEST_F(ArchiveMatch, NothingIsWritten) {
  fill();
  const auto before = row_counts();
  ASSERT_GT(before.at("blocking_keys"), 0);
  match(with_address(query({mrn("M9")}, "Harrington", "Kayla")));
  match(query({national(valid_national_id()), mrn("M77")}, "张", "三"));  // a new MRN: no record made
  match(query({}, "Nobody", "Known"));
  EXPECT_EQ(row_counts(), before);
}

TEST_F(ArchiveMatch, TheStoresCurrentModelScoresEvenOneTrainedWhileTheReaderIsOpen) {
  fill();
  const auto p = with_address(query({}, "Harrington", "Kayla"));
  ASSERT_EQ(match(p).matches.at(0).grade, mpi::MatchGrade::kCertain);
  mpi::MatchModel strict = mpi::default_match_model();
  strict.link_threshold = 60.0;
  strict.same_authority_link_threshold = 70.0;
  auto v = store_->save_match_model(strict);
  ASSERT_TRUE(v) << v.error().message;
  const auto a = match(p);
  EXPECT_EQ(a.model_version, *v);
  ASSERT_FALSE(a.matches.empty());
  EXPECT_EQ(a.matches[0].grade, mpi::MatchGrade::kProbable) << "scored with version " << *v;
}

}  // namespace
}  // namespace medgw::crmstore

// GB 11643-1999 resident identity numbers (national_id.hpp): every valid layout accepted, every
// failure reported with its own reason, and the cross-check against a record's demographics.
#include "mappings/mpi/national_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace medgw::mpi {
namespace {

using namespace std::chrono;

constexpr year_month_day kToday{year{2024}, month{3}, day{1}};

// The check character computed here independently of the library, straight from the standard:
// weight of position i (1-based, counted from the left) is 2^(18-i) mod 11.
char reference_check_char(const std::string& first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    int weight = 1;
    for (int k = 0; k < 17 - i; ++k) weight = weight * 2 % 11;
    sum += (first17[static_cast<std::size_t>(i)] - '0') * weight;
  }
  const int r = (12 - sum % 11) % 11;
  return r == 10 ? 'X' : static_cast<char>('0' + r);
}

std::string make_id(const std::string& region, const std::string& birth, const std::string& seq) {
  const std::string first17 = region + birth + seq;
  return first17 + reference_check_char(first17);
}

TEST(NationalId, PublishedExampleIsValidFemaleBornOn1949_12_31) {
  const NationalIdCheck c = check_national_id("11010519491231002X", kToday);
  EXPECT_TRUE(c.valid) << c.reason();
  EXPECT_EQ(c.problem, NationalIdProblem::kNone);
  EXPECT_EQ(c.reason(), "");
  EXPECT_EQ(c.birth_date, "1949-12-31");
  EXPECT_EQ(c.gender, "female");
  EXPECT_EQ(c.region, "110105");
  EXPECT_EQ(c.normalised, "11010519491231002X");
}

TEST(NationalId, LowerCaseXAndSurroundingSpacesAreAccepted) {
  const NationalIdCheck c = check_national_id(" 11010519491231002x ", kToday);
  EXPECT_TRUE(c.valid) << c.reason();
  EXPECT_EQ(c.normalised, "11010519491231002X");
}

TEST(NationalId, CheckCharMatchesTheStandardsDefinition) {
  EXPECT_EQ(national_id_check_char("11010519491231002"), 'X');
  EXPECT_EQ(national_id_check_char("1101051949123100"), '\0');
  EXPECT_EQ(national_id_check_char("1101051949123100A"), '\0');
  // Every remainder, so every entry of the check table, is reached.
  std::string seen;
  for (int seq = 0; seq < 200 && seen.size() < 11; ++seq) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d", seq);
    const std::string first17 = std::string("44030619800101") + buf;
    const char c = national_id_check_char(first17);
    EXPECT_EQ(c, reference_check_char(first17)) << first17;
    if (seen.find(c) == std::string::npos) seen += c;
  }
  EXPECT_EQ(seen.size(), 11u);
}

TEST(NationalId, ConstructedNumbersAreValidWithSexFromThe17thDigit) {
  struct Case {
    std::string region, birth, seq, date, gender;
  } cases[] = {
      {"440306", "19800229", "123", "1980-02-29", "male"},    // leap day
      {"310101", "20000101", "004", "2000-01-01", "female"},
      {"650102", "19991231", "011", "1999-12-31", "male"},
      {"810000", "20240301", "998", "2024-03-01", "female"},  // born today, Hong Kong region
      {"110105", "18991231", "001", "1899-12-31", "male"},
  };
  for (const auto& k : cases) {
    const std::string id = make_id(k.region, k.birth, k.seq);
    const NationalIdCheck c = check_national_id(id, kToday);
    EXPECT_TRUE(c.valid) << id << ": " << c.reason();
    EXPECT_EQ(c.birth_date, k.date) << id;
    EXPECT_EQ(c.gender, k.gender) << id;
    EXPECT_EQ(c.region, k.region) << id;
  }
}

struct BadCase {
  const char* name;
  std::string id;
  NationalIdProblem problem;
  const char* reason;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadNationalIds : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadNationalIds, AreRejectedWithTheirReason) {
  const BadCase& b = GetParam();
  const NationalIdCheck c = check_national_id(b.id, kToday);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.problem, b.problem);
  EXPECT_EQ(c.reason(), b.reason);
  // A reason never carries any part of the number (its region or birth date digits).
  if (b.id.size() >= 14) {
    EXPECT_EQ(std::string(c.reason()).find(b.id.substr(0, 6)), std::string::npos);
    EXPECT_EQ(std::string(c.reason()).find(b.id.substr(6, 8)), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    NationalId, BadNationalIds,
    ::testing::Values(
        BadCase{"Empty", "", NationalIdProblem::kBadLength, "bad length"},
        BadCase{"SeventeenChars", "11010519491231002", NationalIdProblem::kBadLength, "bad length"},
        BadCase{"NineteenChars", "11010519491231002X1", NationalIdProblem::kBadLength, "bad length"},
        BadCase{"FifteenWithLetter", "11010549123100A", NationalIdProblem::kBadLength, "bad length"},
        BadCase{"LetterInBody", "1101051949123A002X", NationalIdProblem::kBadCharacter, "bad character"},
        BadCase{"BadCheckLetter", "11010519491231002Y", NationalIdProblem::kBadCharacter, "bad character"},
        BadCase{"FullWidthDigits", "１１０１０５１９４９１２", NationalIdProblem::kBadLength, "bad length"},
        BadCase{"RegionZero", make_id("010105", "19491231", "002"), NationalIdProblem::kBadRegion, "bad region"},
        BadCase{"RegionNine", make_id("910105", "19491231", "002"), NationalIdProblem::kBadRegion, "bad region"},
        BadCase{"Feb30", make_id("110105", "19490230", "002"), NationalIdProblem::kBadBirthDate, "bad birth date"},
        BadCase{"NotLeapYear", make_id("110105", "19000229", "002"), NationalIdProblem::kBadBirthDate,
                "bad birth date"},
        BadCase{"Month13", make_id("110105", "19491301", "002"), NationalIdProblem::kBadBirthDate, "bad birth date"},
        BadCase{"Tomorrow", make_id("110105", "20240302", "002"), NationalIdProblem::kBadBirthDate, "bad birth date"},
        BadCase{"Before1800", make_id("110105", "17991231", "002"), NationalIdProblem::kBadBirthDate,
                "bad birth date"},
        BadCase{"WrongCheck", "110105194912310021", NationalIdProblem::kBadChecksum, "bad checksum"},
        BadCase{"SwappedDigits", "11010519491231200X", NationalIdProblem::kBadChecksum, "bad checksum"},
        BadCase{"Legacy15", "110105491231002", NationalIdProblem::kLegacy15Digit, "legacy 15-digit"}));

TEST(NationalId, Legacy15DigitStillReportsItsDemographics) {
  const NationalIdCheck c = check_national_id("110105491231003", kToday);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.reason(), "legacy 15-digit");
  EXPECT_EQ(c.birth_date, "1949-12-31");
  EXPECT_EQ(c.gender, "male");
}

model::Patient patient(std::string birth_date, std::string gender) {
  model::Patient p;
  p.birth_date = std::move(birth_date);
  p.gender = std::move(gender);
  return p;
}

TEST(NationalIdCrossCheck, AgreeingRecordHasNoMismatch) {
  const auto id = check_national_id("11010519491231002X", kToday);
  EXPECT_TRUE(cross_check(id, patient("1949-12-31", "female")).empty());
  EXPECT_TRUE(cross_check(id, patient("", "")).empty());                     // nothing stated
  EXPECT_TRUE(cross_check(id, patient("1949-12", "unknown")).empty());       // partial date, no sex
  EXPECT_TRUE(cross_check(id, patient("1949", "other")).empty());
  EXPECT_TRUE(cross_check(id, patient("1949-12-31T00:00:00+08:00", "female")).empty());
}

TEST(NationalIdCrossCheck, ReportsEachDifferingField) {
  const auto id = check_national_id("11010519491231002X", kToday);
  auto m = cross_check(id, patient("1949-12-30", "female"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].field, DemographicField::kBirthDate);
  EXPECT_EQ(m[0].reason, "birth date differs from national ID");

  m = cross_check(id, patient("1949-12-31", "male"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].field, DemographicField::kGender);

  m = cross_check(id, patient("1950", "male"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].field, DemographicField::kBirthDate);
  EXPECT_EQ(m[1].field, DemographicField::kGender);
}

TEST(NationalIdCrossCheck, InvalidNumberSaysNothing) {
  const auto id = check_national_id("110105194912310021", kToday);
  ASSERT_FALSE(id.valid);
  EXPECT_TRUE(cross_check(id, patient("2000-01-01", "male")).empty());
}

}  // namespace
}  // namespace medgw::mpi

#include "mappings/mpi/identity.hpp"

#include <gtest/gtest.h>

#include "mpi_test_support.hpp"

namespace medgw::mpi {
namespace {

using testing::kHisMrn;
using testing::kToday;

TEST(SourceKey, PrefersTheMedicalRecordNumber) {
  model::Identifier visit;
  visit.system = "urn:visit";
  visit.value = "V1";
  std::vector<model::Identifier> ids{testing::nid(testing::national_id()), visit, testing::mrn(kHisMrn, "M1")};
  auto key = source_key(ids);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->system, kHisMrn);
  EXPECT_EQ(key->value, "M1");
}

TEST(SourceKey, FallsBackToAnotherIdentifierThenTheNationalId) {
  model::Identifier plain;
  plain.value = "X9";
  std::vector<model::Identifier> ids{testing::nid("1"), plain};
  EXPECT_EQ(source_key(ids)->value, "X9");
  std::vector<model::Identifier> only_nid{testing::nid("110101")};
  EXPECT_EQ(source_key(only_nid)->value, "110101");
  std::vector<model::Identifier> none{model::Identifier{}};
  EXPECT_FALSE(source_key(none));
}

TEST(ScreenIdentifiers, TrustsOnlyIdentifiersWithAnAuthority) {
  model::Identifier no_system;
  no_system.value = "123";
  model::Identifier old = testing::mrn(kHisMrn, "OLD1");
  old.use = "old";
  auto r = testing::patient("HIS", {no_system, testing::mrn(kHisMrn, "M1"), old, testing::mrn(kHisMrn, "M1")});
  auto s = screen_identifiers(r.patient, kToday);
  ASSERT_EQ(s.link.size(), 1u);  // distinct, no system-less, no old
  EXPECT_EQ(s.link[0], (IdentifierKey{kHisMrn, "M1"}));
  EXPECT_TRUE(s.flags.empty());
  EXPECT_TRUE(s.problem.empty());
}

TEST(ScreenIdentifiers, NationalIdFoldedToOneSystemWhateverTheSenderCalledIt) {
  std::string id = testing::national_id("19850101", false);
  std::string lower = id;
  if (lower.back() == 'X') lower.back() = 'x';
  auto r = testing::patient("HIS", {testing::nid(lower, "SFZH")}, "李", "四", "1985-01-01", "female");
  auto s = screen_identifiers(r.patient, kToday);
  ASSERT_EQ(s.link.size(), 1u);
  EXPECT_EQ(s.link[0].system, kNationalIdSystem);
  EXPECT_EQ(s.link[0].value, id);
}

TEST(ScreenIdentifiers, InvalidChecksumIsFlaggedAndNotTrusted) {
  std::string id = testing::national_id();
  id.back() = id.back() == '0' ? '1' : '0';
  auto r = testing::patient("HIS", {testing::mrn(kHisMrn, "M1"), testing::nid(id)});
  auto s = screen_identifiers(r.patient, kToday);
  ASSERT_EQ(s.link.size(), 1u);
  EXPECT_EQ(s.link[0].system, kHisMrn);
  ASSERT_EQ(s.flags.size(), 1u);
  EXPECT_EQ(s.flags[0], kFlagNationalIdInvalid);
  EXPECT_EQ(s.problem, "bad checksum");
  EXPECT_EQ(s.problem.find(id), std::string::npos);  // no PHI
}

TEST(ScreenIdentifiers, ValidNationalIdContradictingTheRecordIsNotTrusted) {
  auto wrong_birth = testing::patient("HIS", {testing::nid(testing::national_id("19900307"))}, "张", "三",
                                      "1991-03-07", "male");
  auto s = screen_identifiers(wrong_birth.patient, kToday);
  EXPECT_TRUE(s.link.empty());
  EXPECT_EQ(s.flags.size(), 1u);
  auto wrong_sex = testing::patient("HIS", {testing::nid(testing::national_id("19900307", true))}, "张", "三",
                                    "1990-03-07", "female");
  EXPECT_TRUE(screen_identifiers(wrong_sex.patient, kToday).link.empty());
}

}  // namespace
}  // namespace medgw::mpi

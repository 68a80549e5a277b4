#include "mappings/mpi/match_features.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace medgw::mpi {
namespace {

model::Patient febrl_like() {
  model::Patient p;
  model::HumanName n;
  n.family = "Harrington";
  n.given = {"Kayla"};
  p.name.push_back(n);
  p.birth_date = "1915-06-12";
  p.gender = "F";
  model::Address a;
  a.line = {"12 Maltby Circuit", "Coaling"};
  a.city = "Coolaroo";
  a.postal_code = "3465";
  p.address.push_back(a);
  model::ContactPoint phone;
  phone.system = "phone";
  phone.value = "+86 138-0013-8000";
  p.telecom.push_back(phone);
  model::Identifier ss;
  ss.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "SS", ""});
  ss.value = "9004242";
  p.identifier.push_back(ss);
  return p;
}

TEST(MatchFeatures, NormalisesEachField) {
  const MatchFeatures f = match_features(febrl_like());
  EXPECT_EQ(f[MatchField::kGiven], "kayla");
  EXPECT_EQ(f[MatchField::kFamily], "harrington");
  EXPECT_EQ(f[MatchField::kBirthDate], "1915-06-12");
  EXPECT_EQ(f[MatchField::kGender], "female");
  EXPECT_EQ(f[MatchField::kPhone], "8613800138000");
  EXPECT_EQ(f[MatchField::kPostcode], "3465");
  EXPECT_EQ(f[MatchField::kStreet], "12 maltby circuit coaling");
  EXPECT_EQ(f[MatchField::kLocality], "coolaroo");
  EXPECT_EQ(f[MatchField::kIdNumber], "9004242");
}

TEST(MatchFeatures, UnknownSexAndAbsentFieldsAreMissing) {
  model::Patient p;
  p.gender = "unknown";
  const MatchFeatures f = match_features(p);
  for (const auto& v : f.values) EXPECT_TRUE(v.empty());
  EXPECT_TRUE(blocking_keys(f).empty());
}

TEST(MatchFeatures, EncodingRoundTrips) {
  MatchFeatures f = match_features(febrl_like());
  EXPECT_EQ(decode_match_features(encode_match_features(f)), f);
  f[MatchField::kGiven] = "";
  f[MatchField::kIdNumber] = "";
  EXPECT_EQ(decode_match_features(encode_match_features(f)), f);
  EXPECT_EQ(decode_match_features(""), MatchFeatures{});
}

TEST(MatchFeatures, FieldNamesRoundTrip) {
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) {
    const auto f = static_cast<MatchField>(i);
    EXPECT_EQ(parse_match_field(to_string(f)), f);
  }
  EXPECT_FALSE(parse_match_field("rec_id"));
}

bool share_a_key(const MatchFeatures& a, const MatchFeatures& b) {
  const auto ka = blocking_keys(a), kb = blocking_keys(b);
  return std::any_of(ka.begin(), ka.end(), [&](const std::string& k) { return std::find(kb.begin(), kb.end(), k) != kb.end(); });
}

TEST(BlockingKeys, OneCorruptedFieldStillSharesAKey) {
  const MatchFeatures base = match_features(febrl_like());
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) {
    MatchFeatures changed = base;
    changed.values[i] = "zz" + changed.values[i];
    EXPECT_TRUE(share_a_key(base, changed)) << to_string(static_cast<MatchField>(i));
  }
  MatchFeatures swapped = base;
  swapped[MatchField::kBirthDate] = "1915-12-06";
  swapped[MatchField::kPostcode] = "";
  swapped[MatchField::kPhone] = "";
  swapped[MatchField::kIdNumber] = "";
  EXPECT_TRUE(share_a_key(base, swapped)) << "a day/month swap keeps the birth date keys";
  MatchFeatures names = base;
  std::swap(names[MatchField::kGiven], names[MatchField::kFamily]);
  names[MatchField::kPostcode] = "";
  names[MatchField::kPhone] = "";
  names[MatchField::kIdNumber] = "";
  EXPECT_TRUE(share_a_key(base, names)) << "given and family swapped";
}

model::Patient chinese(const std::string& family, const std::string& given, const std::string& phone) {
  model::Patient p;
  model::HumanName n;
  n.family = family;
  if (!given.empty()) n.given = {given};
  p.name.push_back(n);
  p.birth_date = "1980-03-07";
  p.gender = "M";
  model::ContactPoint t;
  t.system = "phone";
  t.value = phone;
  p.telecom.push_back(t);
  return p;
}

TEST(MatchFeatures, ChineseNamesAreFoldedAndSplitAndPhonesNormalised) {
  const MatchFeatures f = match_features(chinese("張", "偉", "138-0013-8000"));
  EXPECT_EQ(f[MatchField::kFamily], "张") << "traditional folded to simplified";
  EXPECT_EQ(f[MatchField::kGiven], "伟");
  EXPECT_EQ(f[MatchField::kPhone], "8613800138000") << "the same number as +86 138 0013 8000";
  const MatchFeatures whole = match_features(chinese("欧阳 建国", "", "0086 13800138000"));
  EXPECT_EQ(whole[MatchField::kFamily], "欧阳") << "a full name in one part, split at its compound surname";
  EXPECT_EQ(whole[MatchField::kGiven], "建国");
  EXPECT_EQ(whole[MatchField::kPhone], "8613800138000");
  const MatchFeatures foreign = match_features(chinese("Harrington", "", "02 9876 5432 1"));
  EXPECT_EQ(foreign[MatchField::kFamily], "harrington") << "a Latin name is never split";
  EXPECT_EQ(foreign[MatchField::kGiven], "");
}

TEST(BlockingKeys, HanNamesShareKeysWithTheirHomophonesAndPinyin) {
  const MatchFeatures base = match_features(chinese("张", "伟", ""));
  EXPECT_TRUE(share_a_key(base, match_features(chinese("章", "伟", "")))) << "homophone";
  EXPECT_TRUE(share_a_key(base, match_features(chinese("張", "偉", "")))) << "traditional";
  EXPECT_TRUE(share_a_key(base, match_features(chinese("Zhang", "Wei", "")))) << "pinyin letters";
  EXPECT_FALSE(share_a_key(base, match_features(chinese("李", "娜", ""))));
}

TEST(BlockingKeys, DifferentPeopleShareNone) {
  model::Patient other;
  model::HumanName n;
  n.family = "Berry";
  n.given = {"Lachlan"};
  other.name.push_back(n);
  other.birth_date = "1999-02-19";
  EXPECT_FALSE(share_a_key(match_features(febrl_like()), match_features(other)));
}

}  // namespace
}  // namespace medgw::mpi

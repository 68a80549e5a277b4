// Demographic normalisation for matching (normalise.hpp): names typed differently by different
// clerks normalise to one text; birth dates and genders in every common spelling; the exact key.
#include "mappings/mpi/normalise.hpp"

#include <gtest/gtest.h>

namespace medgw::mpi {
namespace {

TEST(NormaliseNameText, FoldsAsciiAndLatin1Case) {
  EXPECT_EQ(normalise_name_text("SMITH"), "smith");
  EXPECT_EQ(normalise_name_text("ÉLODIE MÜLLER"), "élodie müller");
  EXPECT_EQ(normalise_name_text("élodie müller"), "élodie müller");
  EXPECT_EQ(normalise_name_text("STRAßE"), "strasse");
  EXPECT_EQ(normalise_name_text("ÀÞ"), "àþ");
  EXPECT_EQ(normalise_name_text("A×B"), "a×b");  // the multiplication sign is not a letter
}

TEST(NormaliseNameText, TrimsAndCollapsesWhitespace) {
  EXPECT_EQ(normalise_name_text("  John \t  Smith  "), "john smith");
  EXPECT_EQ(normalise_name_text("John\u00A0Smith"), "john smith");  // no-break space
  EXPECT_EQ(normalise_name_text(""), "");
  EXPECT_EQ(normalise_name_text("   "), "");
}

TEST(NormaliseNameText, RemovesPunctuation) {
  EXPECT_EQ(normalise_name_text("O'Brien"), "obrien");
  EXPECT_EQ(normalise_name_text("O’Brien"), "obrien");  // typographic apostrophe
  EXPECT_EQ(normalise_name_text("Jean-Luc"), "jeanluc");
  EXPECT_EQ(normalise_name_text("Smith, Jr."), "smith jr");
  EXPECT_EQ(normalise_name_text("a|b"), "ab");  // never a separator inside the key
  EXPECT_EQ(normalise_name_text("约翰·史密斯"), "约翰史密斯");  // U+00B7 middle dot
  EXPECT_EQ(normalise_name_text("约翰・史密斯"), "约翰史密斯");  // U+30FB katakana middle dot
  EXPECT_EQ(normalise_name_text("艾力·买买提"), normalise_name_text("艾力买买提"));
}

TEST(NormaliseNameText, FullWidthAsciiBecomesHalfWidth) {
  EXPECT_EQ(normalise_name_text("ＺＨＡＮＧ　ＳＡＮ"), "zhang san");  // full-width letters, U+3000 space
  EXPECT_EQ(normalise_name_text("Ｏ＇Ｂｒｉｅｎ"), "obrien");
  EXPECT_EQ(normalise_name_text("张三２"), "张三2");
}

TEST(NormaliseNameText, KeepsChineseAndDropsSpacesBetweenIdeographs) {
  EXPECT_EQ(normalise_name_text("张三"), "张三");
  EXPECT_EQ(normalise_name_text("张 三"), "张三");
  EXPECT_EQ(normalise_name_text(" 欧阳　 娜娜 "), "欧阳娜娜");
  EXPECT_EQ(normalise_name_text("张三 Zhang"), "张三 zhang");  // a space next to Latin stays
  EXPECT_EQ(normalise_name_text("𠀀 𠀁"), "𠀀𠀁");  // CJK extension B, four-byte UTF-8
}

TEST(NormaliseNameText, CopiesInvalidUtf8BytesUnchanged) {
  EXPECT_EQ(normalise_name_text("A\xFF" "B"), "a\xFF" "b");
  EXPECT_EQ(normalise_name_text("\xE5\xBC"), "\xE5\xBC");  // truncated sequence
}

model::HumanName name(std::string family, std::vector<std::string> given, std::string text = {},
                      std::string use = {}) {
  model::HumanName n;
  n.family = std::move(family);
  n.given = std::move(given);
  n.text = std::move(text);
  n.use = std::move(use);
  return n;
}

TEST(NormaliseName, JoinsFamilyAndGiven) {
  EXPECT_EQ(normalise_name(name("SMITH", {"John", "Paul"})), "smith john paul");
  EXPECT_EQ(normalise_name(name("张", {"三"})), "张三");
  EXPECT_EQ(normalise_name(name("张三", {})), "张三");  // whole name in XPN.1, as many HIS send it
  EXPECT_EQ(normalise_name(name("", {}, "Zhang San")), "zhang san");
  EXPECT_EQ(normalise_name(name("", {})), "");
}

TEST(NormalisePatientName, PrefersOfficialThenUsualThenAnyCurrentName) {
  model::Patient p;
  p.name = {name("Old", {}, {}, "old"), name("Usual", {}, {}, "usual"), name("Official", {}, {}, "official")};
  EXPECT_EQ(normalise_patient_name(p), "official");
  p.name = {name("Nick", {}, {}, "nickname"), name("Usual", {}, {}, "usual")};
  EXPECT_EQ(normalise_patient_name(p), "usual");
  p.name = {name("Maiden", {}, {}, "maiden"), name("Temp", {}, {}, "temp")};
  EXPECT_EQ(normalise_patient_name(p), "temp");
  p.name = {name("Old", {}, {}, "old")};
  EXPECT_EQ(normalise_patient_name(p), "");
}

TEST(NormaliseBirthDate, AcceptsCommonSpellings) {
  EXPECT_EQ(normalise_birth_date("1949-12-31"), "1949-12-31");
  EXPECT_EQ(normalise_birth_date("1949-12-31T08:00:00+08:00"), "1949-12-31");
  EXPECT_EQ(normalise_birth_date("19491231"), "1949-12-31");
  EXPECT_EQ(normalise_birth_date("194912310800+0800"), "1949-12-31");
  EXPECT_EQ(normalise_birth_date("1949/12/31"), "1949-12-31");
  EXPECT_EQ(normalise_birth_date("1949.1.5"), "1949-01-05");
  EXPECT_EQ(normalise_birth_date("1949年1月5日"), "1949-01-05");
  EXPECT_EQ(normalise_birth_date(" 1949-12-31 08:00 "), "1949-12-31");
}

TEST(NormaliseBirthDate, RejectsPartialAndImpossibleDates) {
  EXPECT_EQ(normalise_birth_date(""), "");
  EXPECT_EQ(normalise_birth_date("1949"), "");
  EXPECT_EQ(normalise_birth_date("1949-12"), "");
  EXPECT_EQ(normalise_birth_date("194912"), "");
  EXPECT_EQ(normalise_birth_date("19490230"), "");
  EXPECT_EQ(normalise_birth_date("1949-02-30"), "");
  EXPECT_EQ(normalise_birth_date("00010101"), "");
  EXPECT_EQ(normalise_birth_date("1949-12-31x"), "");
  EXPECT_EQ(normalise_birth_date("12/31/1949"), "");  // ambiguous order: never guessed
}

TEST(NormaliseGender, MapsEveryCommonCode) {
  for (const char* m : {"M", "m", "male", "Male", "1", "男", " M "}) EXPECT_EQ(normalise_gender(m), "male") << m;
  for (const char* f : {"F", "female", "FEMALE", "2", "女"}) EXPECT_EQ(normalise_gender(f), "female") << f;
  for (const char* o : {"O", "other", "A", "N"}) EXPECT_EQ(normalise_gender(o), "other") << o;
  for (const char* u : {"U", "unknown", "", "0", "9", "X"}) EXPECT_EQ(normalise_gender(u), "unknown") << u;
}

model::Patient patient(model::HumanName n, std::string birth, std::string gender) {
  model::Patient p;
  p.name.push_back(std::move(n));
  p.birth_date = std::move(birth);
  p.gender = std::move(gender);
  return p;
}

TEST(DemographicKey, JoinsTheThreeNormalisedParts) {
  EXPECT_EQ(demographic_key(patient(name("张", {"三"}), "1949-12-31", "female")), "张三|1949-12-31|female");
  EXPECT_EQ(demographic_key(patient(name("O'BRIEN", {"Seán"}), "19800101", "M")), "obrien seán|1980-01-01|male");
  // Two spellings of one person give one key.
  EXPECT_EQ(demographic_key(patient(name("张 三", {}), "1949/12/31", "F")),
            demographic_key(patient(name("张", {"三"}), "1949-12-31", "female")));
}

TEST(DemographicKey, IsEmptyWhenAnyPartIsMissing) {
  EXPECT_EQ(demographic_key(patient(name("", {}), "1949-12-31", "female")), "");
  EXPECT_EQ(demographic_key(patient(name("张", {"三"}), "", "female")), "");
  EXPECT_EQ(demographic_key(patient(name("张", {"三"}), "1949", "female")), "");
  EXPECT_EQ(demographic_key(patient(name("张", {"三"}), "1949-12-31", "")), "");
  EXPECT_EQ(demographic_key(patient(name("张", {"三"}), "1949-12-31", "unknown")), "");
  EXPECT_EQ(demographic_key(model::Patient{}), "");
}

}  // namespace
}  // namespace medgw::mpi

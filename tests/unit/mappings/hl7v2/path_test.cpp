// Paths (path.hpp) and access by path (Message::raw_at, Message::value_at).
#include <gtest/gtest.h>

#include <string>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/hl7v2/path.hpp"

namespace medgw::hl7v2 {
namespace {

using test::read_data;

Path path(std::string_view text) {
  auto p = parse_path(text);
  EXPECT_TRUE(p) << p.error();
  return p ? *p : Path{};
}

TEST(Path, ParsesFieldRepetitionComponentAndSubComponent) {
  Path p = path("PID-3[2].4.1");
  EXPECT_EQ(p.segment, "PID");
  EXPECT_EQ(p.occurrence, 1u);
  EXPECT_EQ(p.field, 3u);
  EXPECT_EQ(p.repetition, 2u);
  EXPECT_EQ(p.component, 4u);
  EXPECT_EQ(p.subcomponent, 1u);
}

TEST(Path, ParsesSegmentOccurrences) {
  Path p = path("OBX[3]-5");
  EXPECT_EQ(p.segment, "OBX");
  EXPECT_EQ(p.occurrence, 3u);
  EXPECT_EQ(p.field, 5u);
  EXPECT_EQ(p.repetition, 1u);
  EXPECT_EQ(p.component, 0u);
  EXPECT_EQ(p.subcomponent, 0u);
}

TEST(Path, DefaultsAndAlternativeSpellings) {
  EXPECT_EQ(path("MSH-9.2"), (Path{"MSH", 1, 9, 1, 2, 0}));
  EXPECT_EQ(path("PID-3(2)"), path("PID-3[2]"));
  EXPECT_EQ(path("OBX(2)-5"), path("OBX[2]-5"));
  EXPECT_EQ(path("ZPI-3.1.2"), (Path{"ZPI", 1, 3, 1, 1, 2}));
  EXPECT_EQ(path("PID-3[1]"), path("PID-3"));
  EXPECT_EQ(path("PV1-3"), (Path{"PV1", 1, 3, 1, 0, 0}));
}

TEST(Path, WritesItselfBackInTheCanonicalForm) {
  for (std::string_view text : {"PID-3", "PID-3[2].4.1", "OBX[3]-5", "MSH-9.2", "OBX[2]-5[3].1.2"}) {
    EXPECT_EQ(path(text).to_string(), text);
  }
  EXPECT_EQ(path("PID-3(2)").to_string(), "PID-3[2]");
  EXPECT_EQ(path("OBX[1]-5[1]").to_string(), "OBX-5");
}

struct BadPath {
  const char* text;
  const char* why;  // a fragment of the sentence
};
void PrintTo(const BadPath& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class BadPaths : public ::testing::TestWithParam<BadPath> {};

TEST_P(BadPaths, AreRejectedWithASentence) {
  auto p = parse_path(GetParam().text);
  ASSERT_FALSE(p) << GetParam().text;
  EXPECT_EQ(p.error().rfind("path '" + std::string(GetParam().text) + "': ", 0), 0u) << p.error();
  EXPECT_NE(p.error().find(GetParam().why), std::string::npos) << p.error();
}

INSTANTIATE_TEST_SUITE_P(Path, BadPaths,
                         ::testing::Values(BadPath{"", "segment id"}, BadPath{"PI", "segment id"},
                                           BadPath{"pid-3", "segment id"}, BadPath{"PID", "expected '-'"},
                                           BadPath{"PID3", "expected '-'"}, BadPath{"PID.3", "expected '-'"},
                                           BadPath{"PID-", "field numbers start at 1"},
                                           BadPath{"PID-0", "field numbers start at 1"},
                                           BadPath{"PID-x", "field numbers start at 1"},
                                           BadPath{"OBX[0]-5", "occurrence"}, BadPath{"OBX[]-5", "occurrence"},
                                           BadPath{"OBX[2-5", "occurrence"}, BadPath{"OBX[2)-5", "occurrence"},
                                           BadPath{"PID-3[0]", "repetition"}, BadPath{"PID-3[2", "repetition"},
                                           BadPath{"PID-3.0", "component"}, BadPath{"PID-3.", "component"},
                                           BadPath{"PID-3.4.0", "sub-component"},
                                           BadPath{"PID-3.4.1.2", "unexpected '.2'"},
                                           BadPath{"PID-3 ", "unexpected ' '"},
                                           BadPath{"PID-1234567", "unexpected '7'"}));

TEST(Path, RawAtAndValueAtReadTheMessage) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->raw_at(path("MSH-9.2")), "R01");
  EXPECT_EQ(m->raw_at(path("MSH-10")), "LIS000000000987");
  EXPECT_EQ(m->raw_at(path("MSH-1")), "|");
  EXPECT_EQ(m->raw_at(path("MSH-2")), "^~\\&");
  EXPECT_EQ(m->raw_at(path("MSH-4.2")), "1.2.156.112604.1.1");
  EXPECT_EQ(m->raw_at(path("PID-3[2].1")), "110101199003071234");
  EXPECT_EQ(m->raw_at(path("PID-3[2].4")), "SFZH");
  EXPECT_EQ(m->raw_at(path("PID-3(2).5")), "NI");
  EXPECT_EQ(m->raw_at(path("PID-3[1].4.1")), "BLH");
  EXPECT_EQ(m->value_at(path("PID-5.1")), "王");
  EXPECT_EQ(m->raw_at(path("OBX[3]-5")), "^1^:^128");
  EXPECT_EQ(m->raw_at(path("OBX[3]-5.4")), "128");
  EXPECT_EQ(m->raw_at(path("OBX[4]-5.2")), "A型");
  EXPECT_EQ(m->raw_at(path("ZLR-1.2")), "B");
}

TEST(Path, AFieldPathMeansOneRepetition) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->raw_at(path("PID-3")), "P0012345^^^BLH^MR");
  EXPECT_EQ(m->raw_at(path("PID-3[2]")), "110101199003071234^^^SFZH^NI");
  EXPECT_EQ(m->value_at(path("NTE-3[2]")), "第二行");
}

TEST(Path, ValueAtDecodesEscapesAndRawAtDoesNot) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->raw_at(path("OBX[5]-5")), "镜下所见\\.br\\细胞形态正常 \\T\\ 无异常\\.br\\结论\\F\\正常");
  EXPECT_EQ(m->value_at(path("OBX[5]-5")), "镜下所见\n细胞形态正常 & 无异常\n结论|正常");
  EXPECT_EQ(m->value_at(path("NTE-3")), "标本溶血 50^50 请复查");
}

TEST(Path, AbsentPartsAreEmpty) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->raw_at(path("OBX[9]-5")), "");
  EXPECT_EQ(m->raw_at(path("IN1-1")), "");
  EXPECT_EQ(m->raw_at(path("PID-99")), "");
  EXPECT_EQ(m->raw_at(path("PID-3[3]")), "");
  EXPECT_EQ(m->raw_at(path("PID-3.9")), "");
  EXPECT_EQ(m->raw_at(path("PID-3.4.3")), "");
  EXPECT_EQ(m->value_at(path("ZLR-1.3")), "");
}

TEST(Path, ReadsAssigningAuthoritySubComponentsOfAChineseHis) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  // PID-3 repetitions typed by HD universal id: 病人ID, 病历号 (BLH), 身份证号 (SFZH), 婴儿序号.
  EXPECT_EQ(m->raw_at(path("PID-3[2].4.2")), "BLH");
  EXPECT_EQ(m->raw_at(path("PID-3[3].1")), "421281199507100051");
  EXPECT_EQ(m->raw_at(path("PID-3[3].4.2")), "SFZH");
  EXPECT_EQ(m->raw_at(path("PID-3[3].4.1")), "");
  EXPECT_EQ(m->value_at(path("PV1-3.8")), "外一科病区");
  EXPECT_EQ(m->value_at(path("PV1-20[2]")), "普通病员");
}

TEST(Path, WorksWithUnusualDelimiters) {
  const std::string input = read_data("adt_a08_custom_delimiters.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->raw_at(path("PID-3[2].4")), "SFZH");
  EXPECT_EQ(m->raw_at(path("PID-11.1.2")), "人民路");
  EXPECT_EQ(m->value_at(path("NTE-3")), "费用 100#200 $ 备注!");
  EXPECT_EQ(m->raw_at(path("MSH-2")), "$%*!");
}

}  // namespace
}  // namespace medgw::hl7v2

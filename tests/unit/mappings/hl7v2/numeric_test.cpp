// NM and SN (numeric.hpp): decimals keep their precision and are normalised; structured numerics
// carry comparators and separators.
#include <gtest/gtest.h>

#include <string>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/hl7v2/numeric.hpp"

namespace medgw::hl7v2 {
namespace {

struct NumberCase {
  const char* text;
  const char* normalised;
  double value;
};
void PrintTo(const NumberCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class Decimals : public ::testing::TestWithParam<NumberCase> {};

TEST_P(Decimals, AreNormalisedKeepingTheirPrecision) {
  const NumberCase& c = GetParam();
  auto d = parse_decimal(c.text);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->text, c.normalised) << c.text;
  EXPECT_DOUBLE_EQ(d->value, c.value) << c.text;
}

INSTANTIATE_TEST_SUITE_P(Numeric, Decimals,
                         ::testing::Values(NumberCase{"132", "132", 132}, NumberCase{"5.10", "5.10", 5.1},
                                           NumberCase{"007.50", "7.50", 7.5}, NumberCase{"+5", "5", 5},
                                           NumberCase{"-12.5", "-12.5", -12.5}, NumberCase{"-007", "-7", -7},
                                           NumberCase{".5", "0.5", 0.5}, NumberCase{"-.5", "-0.5", -0.5},
                                           NumberCase{"5.", "5", 5}, NumberCase{"0", "0", 0},
                                           NumberCase{"000", "0", 0}, NumberCase{"-0", "0", 0},
                                           NumberCase{"-0.00", "0.00", 0}, NumberCase{"0.05", "0.05", 0.05},
                                           NumberCase{"  6.1 ", "6.1", 6.1}));

TEST(Numeric, RejectsWhatIsNotANumberWithASentence) {
  for (const char* bad : {"", "   ", "abc", "1,5", "1.2.3", "1e5", "--1", "+-1", "+", "-", ".", "- 5", "5 5",
                          "<5", "12mmol", "0x1F", "∞"}) {
    auto d = parse_decimal(bad);
    ASSERT_FALSE(d) << "'" << bad << "' should not parse";
    EXPECT_EQ(d.error().rfind("number '" + std::string(bad) + "': ", 0), 0u) << d.error();
  }
  EXPECT_FALSE(parse_decimal(std::string(65, '1')));
}

// SN values in OBX-5 of an ORU (components: comparator ^ num1 ^ separator ^ num2).
Expected<StructuredNumeric, std::string> sn(std::string_view obx5) {
  return parse_structured_numeric(Repetition(obx5, &kDefaultDelimiters, false));
}

TEST(Numeric, ReadsStructuredNumericComparators) {
  auto gt = sn(">^450");
  ASSERT_TRUE(gt) << gt.error();
  EXPECT_EQ(gt->comparator, ">");
  ASSERT_TRUE(gt->num1);
  EXPECT_EQ(gt->num1->text, "450");
  EXPECT_EQ(gt->separator, "");
  EXPECT_FALSE(gt->num2);

  for (const char* comparator : {"<", ">=", "<=", "=", "<>"}) {
    auto v = sn(std::string(comparator) + "^0.05");
    ASSERT_TRUE(v) << comparator << ": " << v.error();
    EXPECT_EQ(v->comparator, comparator);
    EXPECT_EQ(v->num1->text, "0.05");
  }
  auto plain = sn("^7.2");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->comparator, "");
  EXPECT_DOUBLE_EQ(plain->num1->value, 7.2);
}

TEST(Numeric, ReadsStructuredNumericRatiosAndRanges) {
  auto ratio = sn("^1^:^128");
  ASSERT_TRUE(ratio) << ratio.error();
  EXPECT_EQ(ratio->num1->text, "1");
  EXPECT_EQ(ratio->separator, ":");
  EXPECT_EQ(ratio->num2->text, "128");

  auto range = sn("^2^-^8");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->separator, "-");
  EXPECT_EQ(range->num2->text, "8");

  for (const char* separator : {"+", "/", "."}) {
    auto v = sn(std::string("^1^") + separator + "^2");
    ASSERT_TRUE(v) << separator;
    EXPECT_EQ(v->separator, separator);
  }
  // Escaped text is decoded before it is read.
  Delimiters d;
  auto escaped = parse_structured_numeric(Repetition("\\X3E\\^10", &d, false));
  ASSERT_TRUE(escaped) << escaped.error();
  EXPECT_EQ(escaped->comparator, ">");
}

TEST(Numeric, RejectsMalformedStructuredNumerics) {
  EXPECT_FALSE(sn("=>^5"));
  EXPECT_FALSE(sn("about^5"));
  EXPECT_FALSE(sn("^1^x^2"));
  EXPECT_FALSE(sn("^abc"));
  EXPECT_FALSE(sn("^1^:^two"));
  EXPECT_FALSE(sn(""));
  EXPECT_FALSE(sn(">"));
  auto e = sn("^1^x^2");
  EXPECT_NE(e.error().find("separator"), std::string::npos) << e.error();
}

TEST(Numeric, ReadsTheResultsOfALabReport) {
  const std::string input = test::read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  auto hgb = parse_decimal(m->find("OBX", 1)->field(5).value());
  ASSERT_TRUE(hgb);
  EXPECT_EQ(hgb->text, "132");
  auto plt = parse_structured_numeric(m->find("OBX", 2)->field(5).repetition(1));
  ASSERT_TRUE(plt) << plt.error();
  EXPECT_EQ(plt->comparator, ">");
  EXPECT_EQ(plt->num1->text, "450");
  auto titer = parse_structured_numeric(m->find("OBX", 3)->field(5).repetition(1));
  ASSERT_TRUE(titer) << titer.error();
  EXPECT_EQ(titer->separator, ":");
  EXPECT_EQ(titer->num2->text, "128");
}

}  // namespace
}  // namespace medgw::hl7v2

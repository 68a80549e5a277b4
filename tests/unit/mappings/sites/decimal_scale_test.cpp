// Unit conversion arithmetic (decimal_scale.hpp): the result keeps the value's significant digits.
#include "mappings/sites/decimal_scale.hpp"

#include <gtest/gtest.h>

namespace medgw::sites {
namespace {

TEST(SignificantDigits, CountsOnTheText) {
  EXPECT_EQ(significant_digits("126"), 3);
  EXPECT_EQ(significant_digits("90"), 2);
  EXPECT_EQ(significant_digits("126.0"), 4);
  EXPECT_EQ(significant_digits("0.050"), 2);
  EXPECT_EQ(significant_digits("-0.5"), 1);
  EXPECT_EQ(significant_digits("0"), 0);
  EXPECT_EQ(significant_digits("abc"), 0);
  EXPECT_EQ(significant_digits(""), 0);
}

struct ScaleCase {
  const char* value;
  long double factor;
  const char* expected;
};
void PrintTo(const ScaleCase& c, std::ostream* os) { *os << c.value << " * " << static_cast<double>(c.factor); }

class Scale : public ::testing::TestWithParam<ScaleCase> {};

TEST_P(Scale, KeepsThePrecisionOfTheValue) {
  const ScaleCase& c = GetParam();
  auto r = scale_decimal(c.value, c.factor);
  ASSERT_TRUE(r.has_value()) << c.value;
  EXPECT_EQ(*r, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    DecimalScale, Scale,
    ::testing::Values(ScaleCase{"126", 0.0555L, "6.99"},      // 6.993
                      ScaleCase{"90", 0.0555L, "5.0"},        // 4.995: two digits as sent
                      ScaleCase{"126.0", 0.0555L, "6.993"},
                      ScaleCase{"5", 0.0555L, "0.3"},
                      ScaleCase{"100", 0.0555L, "5.55"},
                      ScaleCase{"180", 0.0555L, "9.99"},      // 9.990
                      ScaleCase{"181", 0.0555L, "10.0"},      // 10.0455: carry into a new digit
                      ScaleCase{"4.5", 1000.0L, "4500"},      // never an exponent
                      ScaleCase{"2.5", 1.0L, "2.5"},          // a factor of 1 adds no precision
                      ScaleCase{"0.12", 0.001L, "0.00012"},
                      ScaleCase{"-3.2", 2.0L, "-6.4"},
                      ScaleCase{"+7", 2.0L, "14"},
                      ScaleCase{"0", 0.0555L, "0"},
                      ScaleCase{"0.00", 0.0555L, "0.00"},
                      ScaleCase{".5", 2.0L, "1"}));

TEST(DecimalScale, RejectsWhatIsNotADecimal) {
  EXPECT_FALSE(scale_decimal("", 2.0L));
  EXPECT_FALSE(scale_decimal("abc", 2.0L));
  EXPECT_FALSE(scale_decimal("1.2.3", 2.0L));
  EXPECT_FALSE(scale_decimal("<5", 2.0L));  // the comparator lives in Quantity.comparator
  EXPECT_FALSE(scale_decimal("1e3", 2.0L));
  EXPECT_FALSE(scale_decimal("-", 2.0L));
  EXPECT_FALSE(scale_decimal("1234567890123456789012345678901", 2.0L));
}

}  // namespace
}  // namespace medgw::sites

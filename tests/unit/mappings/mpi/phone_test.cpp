#include "mappings/mpi/phone.hpp"

#include <gtest/gtest.h>

namespace medgw::mpi {
namespace {

TEST(NormalisePhone, MobileInEveryCommonSpelling) {
  for (const char* text : {"13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000",
                           "0086 13800138000", "86 13800138000", "(+86) 138.0013.8000", "１３８００１３８０００",
                           "＋８６　１３８－００１３－８０００", "  13800138000  "}) {
    EXPECT_EQ(normalise_phone(text), "+8613800138000") << text;
  }
}

TEST(NormalisePhone, MobileBlocks) {
  EXPECT_EQ(normalise_phone("15912345678"), "+8615912345678");
  EXPECT_EQ(normalise_phone("18612345678"), "+8618612345678");
  EXPECT_EQ(normalise_phone("19912345678"), "+8619912345678");
  EXPECT_EQ(normalise_phone("16612345678"), "+8616612345678");
  EXPECT_EQ(normalise_phone("15412345678"), "");  // 154 is not assigned
  EXPECT_EQ(normalise_phone("12012345678"), "");  // 12x is not a mobile block
  EXPECT_EQ(normalise_phone("1380013800"), "");   // one digit short
  EXPECT_EQ(normalise_phone("138001380001"), "");  // one digit long
}

TEST(NormalisePhone, LandlinesWithAreaCodes) {
  EXPECT_EQ(normalise_phone("010-62345678"), "+861062345678");    // Beijing
  EXPECT_EQ(normalise_phone("(010) 6552 9988"), "+861065529988");
  EXPECT_EQ(normalise_phone("021 6432 1234"), "+862164321234");   // Shanghai
  EXPECT_EQ(normalise_phone("0755-86013388"), "+8675586013388");  // Shenzhen, 8-digit subscriber
  EXPECT_EQ(normalise_phone("0871-6312345"), "+868716312345");    // Kunming, 7-digit subscriber
  EXPECT_EQ(normalise_phone("+86 10 6552 9988"), "+861065529988");
  EXPECT_EQ(normalise_phone("+86 (0)10 6552 9988"), "+861065529988");
  EXPECT_EQ(normalise_phone("4008123123"), "+864008123123");
}

TEST(NormalisePhone, ExtensionsDropped) {
  EXPECT_EQ(normalise_phone("010-65529988-123"), "+861065529988");
  EXPECT_EQ(normalise_phone("010-65529988转123"), "+861065529988");
  EXPECT_EQ(normalise_phone("010 65529988 ext. 12"), "+861065529988");
  EXPECT_EQ(normalise_phone("010 65529988 x12"), "+861065529988");
}

TEST(NormalisePhone, NotAPersonsNumber) {
  EXPECT_EQ(normalise_phone(""), "");
  EXPECT_EQ(normalise_phone("无"), "");
  EXPECT_EQ(normalise_phone("65529988"), "");    // no area code: which city?
  EXPECT_EQ(normalise_phone("120"), "");         // emergency short code
  EXPECT_EQ(normalise_phone("95588"), "");       // a bank's service code
  EXPECT_EQ(normalise_phone("13800138000/13900139000"), "");  // two numbers in one field
  EXPECT_EQ(normalise_phone("138 0013 800O"), "");            // a letter O for a zero
  EXPECT_EQ(normalise_phone("1+3800138000"), "");
  EXPECT_EQ(normalise_phone("0000000000"), "");
  EXPECT_EQ(normalise_phone("010-01234567"), "");  // subscriber numbers start with 2-8
  EXPECT_EQ(normalise_phone("010-12345678"), "");
}

TEST(NormalisePhone, HongKongMacaoTaiwan) {
  EXPECT_EQ(normalise_phone("+852 9123 4567"), "+85291234567");
  EXPECT_EQ(normalise_phone("00852-2123-4567"), "+85221234567");
  EXPECT_EQ(normalise_phone("9123 4567", "HK"), "+85291234567");
  EXPECT_EQ(normalise_phone("+853 6612 3456"), "+85366123456");
  EXPECT_EQ(normalise_phone("+886 912 345 678"), "+886912345678");
  EXPECT_EQ(normalise_phone("0912-345-678", "TW"), "+886912345678");
  EXPECT_EQ(normalise_phone("02 2345 6789", "tw"), "+886223456789");
  EXPECT_EQ(normalise_phone("+852 1234"), "");
}

TEST(NormalisePhone, OtherCountriesOnlyInternational) {
  EXPECT_EQ(normalise_phone("+1 (650) 253-0000"), "+16502530000");
  EXPECT_EQ(normalise_phone("+44 20 7946 0958"), "+442079460958");
  EXPECT_EQ(normalise_phone("+1 050 253 0000"), "");       // NANP area codes start 2-9
  EXPECT_EQ(normalise_phone("+28 1234 5678"), "");         // no country uses +28
  EXPECT_EQ(normalise_phone("+44 1234 5678 9012 34"), "");  // longer than E.164 allows
  EXPECT_EQ(normalise_phone("2079460958", "GB"), "");       // national form of a plan not known here
}

TEST(NormalisePhone, DefaultRegionCaseInsensitive) {
  EXPECT_EQ(normalise_phone("13800138000", "cn"), "+8613800138000");
  EXPECT_EQ(normalise_phone("13800138000", "HK"), "");  // an 11-digit number is no HK number
}

}  // namespace
}  // namespace medgw::mpi

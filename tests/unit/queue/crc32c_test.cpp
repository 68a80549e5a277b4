// CRC-32C: the published check values, and the hardware and table implementations agreeing.
#include "queue/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace medgw::queue {
namespace {

TEST(Crc32c, MatchesTheCheckValues) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);              // the CRC-32C check value
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);    // RFC 3720, B.4: 32 bytes of zeros
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);  // RFC 3720, B.4: 32 bytes of 0xFF
  EXPECT_EQ(crc32c_extend_portable(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, ExtendsInPieces) {
  const std::string s = "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0001|P|2.5";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    const std::uint32_t a = crc32c_extend(0, s.data(), cut);
    EXPECT_EQ(crc32c_extend(a, s.data() + cut, s.size() - cut), crc32c(s)) << cut;
  }
}

TEST(Crc32c, HardwareAndTableAgree) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string s(rng() % 700, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::size_t offset = s.empty() ? 0 : rng() % s.size();  // unaligned starts too
    EXPECT_EQ(crc32c_extend(1234, s.data() + offset, s.size() - offset),
              crc32c_extend_portable(1234, s.data() + offset, s.size() - offset));
  }
}

}  // namespace
}  // namespace medgw::queue

// Full-jitter exponential backoff: the caps double from `base` up to `max`, and the delays are
// spread over [0, cap], reproducibly for a seed.
#include "queue/backoff.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace medgw::queue {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CapsDoubleUpToTheMaximum) {
  Backoff b(milliseconds(100), milliseconds(1'000), 1);
  EXPECT_EQ(b.cap_ms(1), 100);
  EXPECT_EQ(b.cap_ms(2), 200);
  EXPECT_EQ(b.cap_ms(3), 400);
  EXPECT_EQ(b.cap_ms(4), 800);
  EXPECT_EQ(b.cap_ms(5), 1'000);
  EXPECT_EQ(b.cap_ms(4'000'000'000u), 1'000);  // no overflow however many failures
  Backoff huge(milliseconds(std::numeric_limits<std::int64_t>::max() / 3), milliseconds::max(), 1);
  EXPECT_EQ(huge.cap_ms(100), std::numeric_limits<std::int64_t>::max());
}

TEST(Backoff, DelaysAreFullJitterWithinTheCap) {
  Backoff b(milliseconds(100), milliseconds(1'000), 1);
  std::int64_t lo = 1'000'000, hi = -1;
  for (int i = 0; i < 2'000; ++i) {
    const std::int64_t d = b.delay_ms(3);
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 400);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 40);  // spread over the whole range, not clustered near the cap
  EXPECT_GT(hi, 360);
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff a(milliseconds(100), milliseconds(10'000), 99), b(milliseconds(100), milliseconds(10'000), 99);
  for (std::uint32_t n = 1; n < 20; ++n) EXPECT_EQ(a.delay_ms(n), b.delay_ms(n));
}

TEST(Backoff, ZeroBaseMeansNoWait) {
  Backoff b(milliseconds(0), milliseconds(1'000), 1);
  EXPECT_EQ(b.delay_ms(5), 0);
}

}  // namespace
}  // namespace medgw::queue

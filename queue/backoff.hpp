#pragma once
// Retry delays: exponential backoff with full jitter (the AWS architecture blog's "Exponential
// Backoff and Jitter"; Fluent Bit's scheduler does the same). After the n-th failure (n >= 1)
// the delay is uniform in [0, min(max, base * 2^(n-1))]: the first retry waits up to `base`.
// Full jitter spreads the retries of many envelopes that failed together (the CRM store went
// down) instead of sending them back in one wave when it returns.
#include <chrono>
#include <cstdint>
#include <random>

namespace medgw::queue {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, std::uint64_t seed);

  // The upper bound of the delay after `failures` failures (>= 1).
  std::int64_t cap_ms(std::uint32_t failures) const;
  std::int64_t delay_ms(std::uint32_t failures);

 private:
  std::int64_t base_ms_;
  std::int64_t max_ms_;
  std::mt19937_64 rng_;
};

}  // namespace medgw::queue

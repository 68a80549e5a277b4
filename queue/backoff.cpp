#include "queue/backoff.hpp"

#include <algorithm>

namespace medgw::queue {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, std::uint64_t seed)
    : base_ms_(std::max<std::int64_t>(0, base.count())), max_ms_(std::max<std::int64_t>(0, max.count())), rng_(seed) {}

std::int64_t Backoff::cap_ms(std::uint32_t failures) const {
  if (base_ms_ == 0) return 0;
  const std::uint32_t doublings = failures == 0 ? 0 : failures - 1;
  // Doubles until the cap is reached, without ever computing base * 2^n (it would overflow).
  std::int64_t cap = base_ms_;
  for (std::uint32_t i = 0; i < doublings && cap < max_ms_; ++i) cap = cap > max_ms_ / 2 ? max_ms_ : cap * 2;
  return std::min(cap, max_ms_);
}

std::int64_t Backoff::delay_ms(std::uint32_t failures) {
  const std::int64_t cap = cap_ms(failures);
  if (cap <= 0) return 0;
  return std::uniform_int_distribution<std::int64_t>(0, cap)(rng_);
}

}  // namespace medgw::queue

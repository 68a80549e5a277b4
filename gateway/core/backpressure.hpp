#pragma once
// Backpressure with hysteresis: sources stop reading when the queue holds more than the high
// watermark of undelivered envelopes and resume below the low one. It slows senders; it never
// drops data.
#include <atomic>
#include <cstdint>
#include <functional>

namespace medgw {

class Backpressure {
 public:
  Backpressure(std::function<std::uint64_t()> depth, std::uint64_t high, std::uint64_t low)
      : depth_(std::move(depth)), high_(high), low_(low < high ? low : high) {}

  // True while sources should not read more input.
  bool paused() {
    const std::uint64_t d = depth_();
    if (paused_.load(std::memory_order_relaxed)) {
      if (d < low_) paused_.store(false, std::memory_order_relaxed);
    } else if (d > high_) {
      paused_.store(true, std::memory_order_relaxed);
    }
    return paused_.load(std::memory_order_relaxed);
  }

 private:
  std::function<std::uint64_t()> depth_;
  std::uint64_t high_;
  std::uint64_t low_;
  std::atomic<bool> paused_{false};
};

}  // namespace medgw

#pragma once
// The synthetic population's random numbers: SplitMix64, written out here because the standard
// library's distributions differ between implementations, and the population must be the same on
// every machine for a given seed (its truth files are compared across runs and compilers).
#include <cstdint>
#include <span>

namespace medgw::mpi::synth {

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  // A stream for one part of the population (a person, a duplicate), independent of how many
  // numbers other parts drew: the generator can then produce person i without producing 0..i-1.
  static Random for_stream(std::uint64_t seed, std::uint64_t stream, std::uint64_t substream = 0) {
    Random mix(seed ^ 0x6A09E667F3BCC909ULL);
    const std::uint64_t a = mix.next() ^ (stream * 0x9E3779B97F4A7C15ULL);
    Random mix2(a);
    return Random(mix2.next() ^ (substream * 0xC2B2AE3D27D4EB4FULL));
  }

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n); n > 0. Multiply-shift: the bias (n / 2^64) is far below what a test sees.
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // True with probability p.
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  // An index drawn with probability proportional to its weight; `cumulative` holds the running
  // sums of the weights (the last element is the total).
  std::size_t weighted(std::span<const std::uint32_t> cumulative) {
    const std::uint64_t r = below(cumulative.back());
    std::size_t lo = 0, hi = cumulative.size() - 1;
    while (lo < hi) {  // the first running sum above r
      const std::size_t mid = (lo + hi) / 2;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

 private:
  std::uint64_t state_;
};

}  // namespace medgw::mpi::synth

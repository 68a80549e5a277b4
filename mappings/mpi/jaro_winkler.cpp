#include "mappings/mpi/jaro_winkler.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace medgw::mpi {
namespace {

// Names are short: up to this many code points are compared without allocating.
constexpr std::size_t kInline = 64;

// Decodes UTF-8 leniently: a malformed byte becomes one unit of its own.
std::size_t decode(std::string_view s, char32_t* out, std::size_t cap, std::vector<char32_t>& spill) {
  std::size_t n = 0;
  auto push = [&](char32_t c) {
    if (n < cap) {
      out[n] = c;
    } else {
      if (spill.empty()) spill.assign(out, out + cap);
      spill.push_back(c);
    }
    ++n;
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont >> 6) != 0x2) ok = false;
      c = (c << 6) | (cont & 0x3F);
    }
    if (!ok) {
      push(0x110000u + b);  // outside Unicode: never equal to a real code point
      ++i;
    } else {
      push(c);
      i += len;
    }
  }
  return n;
}

struct CodePoints {
  char32_t inline_buf[kInline];
  std::vector<char32_t> spill;
  std::size_t size = 0;
  explicit CodePoints(std::string_view s) { size = decode(s, inline_buf, kInline, spill); }
  const char32_t* data() const { return spill.empty() ? inline_buf : spill.data(); }
};

double jaro_points(const char32_t* a, std::size_t na, const char32_t* b, std::size_t nb) {
  if (na == 0 || nb == 0) return 0.0;
  const std::size_t window = std::max(na, nb) / 2 == 0 ? 0 : std::max(na, nb) / 2 - 1;
  std::vector<std::uint8_t> heap_a, heap_b;
  std::uint8_t small_a[kInline] = {}, small_b[kInline] = {};
  std::uint8_t* ma = small_a;
  std::uint8_t* mb = small_b;
  if (na > kInline) {
    heap_a.assign(na, 0);
    ma = heap_a.data();
  }
  if (nb > kInline) {
    heap_b.assign(nb, 0);
    mb = heap_b.data();
  }
  std::size_t matches = 0;
  for (std::size_t i = 0; i < na; ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(nb, i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (mb[j] || a[i] != b[j]) continue;
      ma[i] = mb[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  std::size_t half_transpositions = 0;
  for (std::size_t i = 0, j = 0; i < na; ++i) {
    if (!ma[i]) continue;
    while (!mb[j]) ++j;
    if (a[i] != b[j]) ++half_transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double t = static_cast<double>(half_transpositions / 2);
  return (m / static_cast<double>(na) + m / static_cast<double>(nb) + (m - t) / m) / 3.0;
}

}  // namespace

double jaro(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  const CodePoints pa(a), pb(b);
  return jaro_points(pa.data(), pa.size, pb.data(), pb.size);
}

double jaro_winkler(std::string_view a, std::string_view b, double prefix_scale) {
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  const CodePoints pa(a), pb(b);
  const double j = jaro_points(pa.data(), pa.size, pb.data(), pb.size);
  std::size_t prefix = 0;
  const std::size_t limit = std::min<std::size_t>({4, pa.size, pb.size});
  while (prefix < limit && pa.data()[prefix] == pb.data()[prefix]) ++prefix;
  return j + static_cast<double>(prefix) * prefix_scale * (1.0 - j);
}

}  // namespace medgw::mpi

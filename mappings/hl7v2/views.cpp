#include "mappings/hl7v2/views.hpp"

#include <cstring>

#include "mappings/hl7v2/escape.hpp"

namespace medgw::hl7v2 {

std::string_view nth_piece(std::string_view s, char sep, std::size_t n) {
  if (n == 0 || s.empty()) return {};
  const char* p = s.data();
  const char* end = p + s.size();
  for (std::size_t i = 1; i < n; ++i) {
    const void* hit = std::memchr(p, sep, static_cast<std::size_t>(end - p));
    if (hit == nullptr) return {};
    p = static_cast<const char*>(hit) + 1;
  }
  const void* hit = std::memchr(p, sep, static_cast<std::size_t>(end - p));
  const char* stop = hit == nullptr ? end : static_cast<const char*>(hit);
  return {p, static_cast<std::size_t>(stop - p)};
}

std::size_t count_pieces(std::string_view s, char sep) {
  if (s.empty()) return 0;
  std::size_t n = 1;
  for (char c : s) n += (c == sep);
  return n;
}

std::string decode_value(std::string_view raw, const Delimiters& delimiters) {
  return unescape(raw, delimiters);
}

}  // namespace medgw::hl7v2

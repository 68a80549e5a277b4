#pragma once
// UTF-8 stepping for the Chinese-text helpers (chinese_name, phone, traditional_folder): small and
// inline because it runs once per character of every name the matcher compares.
#include <cstddef>
#include <string>
#include <string_view>

namespace medgw::mpi::utf8 {

// One decoded code point and the bytes it took; cp < 0 (with len 1) for a byte that does not start
// a valid sequence (overlong forms and surrogates are invalid).
struct Step {
  long cp;
  std::size_t len;
};

inline Step decode(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  std::size_t len = 0;
  long cp = 0;
  long min = 0;
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else return {-1, 1};
  if (i + len > s.size()) return {-1, 1};
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return {-1, 1};
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {-1, 1};
  return {cp, len};
}

inline void append(std::string& out, long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Han ideographs as names use them: CJK unified ideographs and extensions A..H, the compatibility
// ideographs, and U+3007 〇 (the ideographic zero, found in given names).
inline bool is_han(long cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF) || cp == 0x3007;
}

// Whitespace clerks type inside names: ASCII, no-break and the ideographic (full-width) space.
inline bool is_space(long cp) {
  return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0 || cp == 0x3000;
}

}  // namespace medgw::mpi::utf8

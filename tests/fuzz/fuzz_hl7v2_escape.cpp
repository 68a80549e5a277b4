// The escape decoder and encoder on any bytes, with the delimiters taken from the input's first
// bytes: no crash, and escape() then unescape() gives the text back (byte-exact line breaks).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mappings/hl7v2/escape.hpp"

using namespace medgw::hl7v2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  Delimiters d{static_cast<char>(data[0]), static_cast<char>(data[1]), static_cast<char>(data[2]),
               static_cast<char>(data[3]), static_cast<char>(data[4]), 0};
  std::string all{d.field, d.component, d.repetition, d.escape, d.subcomponent};
  for (std::size_t a = 0; a < all.size(); ++a) {
    const char c = all[a];
    // The parser refuses letters, digits and line ends as delimiters (escape codes are letters).
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\r' || c == '\n') return 0;
    for (std::size_t b = a + 1; b < all.size(); ++b) {
      if (all[a] == all[b]) return 0;  // the parser refuses such delimiters
    }
  }
  std::string_view text(reinterpret_cast<const char*>(data) + 5, size - 5);
  (void)unescape(text, d);
  (void)unescape(text, d, {FormattingEscapes::kPreserve});
  std::string encoded = escape(text, d, {LineBreaks::kHex});
  for (char c : encoded) {
    if (c == d.field || c == d.component || c == d.repetition || c == d.subcomponent) std::abort();
  }
  if (unescape(encoded, d) != text) {
    // Only invalid UTF-8 in the input may differ: \Xhh\ bytes that are not UTF-8 stay escaped,
    // but escape() never writes those (it escapes control characters only).
    std::abort();
  }
  return 0;
}

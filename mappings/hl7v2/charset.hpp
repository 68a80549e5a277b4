#pragma once
// Character sets of HL7 table 0211 (MSH-18) and the aliases real senders use, and their decoding
// to UTF-8 with glibc's iconv. medgw works in UTF-8 inside: a message is decoded *before* it is
// split on delimiters, because 116 GBK/GB18030 ideographs have a trail byte equal to '|', '^', '~'
// or '\' (FACTS.md, "Byte-level trap").
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"

namespace medgw::hl7v2 {

enum class CharsetKind {
  kAscii,        // 7-bit; bytes >= 0x80 are invalid
  kUtf8,         // validated, never copied
  kSingleByte,   // ISO 8859-x and friends: every byte is a character, delimiters are safe raw
  kMultiByte,    // GBK, GB 18030, Big5, EUC-KR...: trail bytes may equal a delimiter
};

struct Charset {
  std::string_view name;        // canonical HL7 0211 code, or the alias's own name
  std::string_view iconv_name;  // "" for ASCII and UTF-8, which need no conversion
  CharsetKind kind = CharsetKind::kUtf8;
  bool supported = true;        // false: known, but not carried over a byte stream here

  // True when a delimiter byte in the raw input is always a delimiter (no multi-byte trail bytes
  // in the ASCII range), so the raw header can be split before decoding.
  bool raw_delimiters_safe() const { return kind != CharsetKind::kMultiByte; }
};

// Looks up an MSH-18 value or a configured default: the 0211 codes ("8859/1", "UNICODE UTF-8",
// "GB 18030-2000", ...) and common aliases ("UTF-8", "GBK", "GB2312", "ISO-8859-1", "CP936").
// Case-insensitive; surrounding spaces ignored. nullopt when unknown.
std::optional<Charset> find_charset(std::string_view name);

// The charset used when neither MSH-18 nor the source's configuration names one. HL7 says ASCII;
// real senders without MSH-18 send UTF-8 far more often, and UTF-8 is a superset of ASCII, so
// medgw accepts UTF-8 there and still rejects bytes that are not valid UTF-8.
Charset default_charset();

enum class InvalidBytes { kError, kReplace };

struct DecodeFailure {
  std::size_t offset = 0;  // byte offset of the first invalid byte in the input
  std::string reason;
};

// Index of the first byte that breaks UTF-8 (overlong forms and surrogates included), or npos.
std::size_t find_invalid_utf8(std::string_view bytes);

// Decodes `bytes` from `charset` to UTF-8. With kReplace each invalid byte becomes U+FFFD.
Expected<std::string, DecodeFailure> decode_to_utf8(std::string_view bytes, const Charset& charset,
                                                    InvalidBytes invalid);

// Encodes UTF-8 text into `charset` (for sending to a peer that wants GBK, say).
Expected<std::string, DecodeFailure> encode_from_utf8(std::string_view utf8, const Charset& charset);

}  // namespace medgw::hl7v2

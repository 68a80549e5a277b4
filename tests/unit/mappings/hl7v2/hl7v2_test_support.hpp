#pragma once
// Helpers shared by the HL7 v2 codec unit tests: reading the project's own test messages from
// tests/data/hl7v2/ and building messages segment by segment.
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

#include "mappings/hl7v2/charset.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2::test {

// The bytes of a file under tests/data/hl7v2/ (MEDGW_HL7V2_TEST_DATA is set by CMake).
inline std::string read_data(std::string_view name) {
  std::string path = std::string(MEDGW_HL7V2_TEST_DATA) + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Segments joined with `terminator` after each one (CR, as the standard says, by default).
inline std::string join(std::initializer_list<std::string_view> segments, std::string_view terminator = "\r") {
  std::string out;
  for (std::string_view s : segments) {
    out.append(s);
    out.append(terminator);
  }
  return out;
}

inline Charset charset(std::string_view name) {
  auto cs = find_charset(name);
  EXPECT_TRUE(cs.has_value()) << "unknown charset " << name;
  return cs.value_or(default_charset());
}

// UTF-8 text re-encoded in `charset_name` (GBK, GB18030, Big5, ...), for building the byte
// streams Chinese HIS feeds send.
inline std::string encode_as(std::string_view utf8, std::string_view charset_name) {
  auto bytes = encode_from_utf8(utf8, charset(charset_name));
  EXPECT_TRUE(bytes.has_value()) << "cannot encode test text in " << charset_name;
  return bytes ? *bytes : std::string{};
}

// The error of a parse that must fail; a failed expectation (and a default error) otherwise.
inline ParseError parse_error_of(std::string_view input, const ParseOptions& options = {}) {
  auto m = Message::parse(input, options);
  EXPECT_FALSE(m.has_value()) << "expected a parse error";
  if (m) return {};
  return m.error();
}

}  // namespace medgw::hl7v2::test

// Parses `input` into `var` (an Expected<Message, ParseError>) or fails the test with the error.
#define HL7_PARSE(var, ...)                                                 \
  auto var = ::medgw::hl7v2::Message::parse(__VA_ARGS__);                   \
  ASSERT_TRUE(var.has_value()) << var.error().describe()

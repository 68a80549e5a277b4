#pragma once
// A parsed FHIR JSON document that keeps every number's text as sent.
//
// FHIR decimals carry their precision ("4.50" is not "4.5"), and the canonical model keeps the
// sender's text (datatypes.hpp, Decimal). A plain rapidjson::Document turns numbers into doubles
// and loses it, so this one is parsed in situ with numbers kept as text: a number is a string
// value pointing into the parse buffer, and the document remembers which strings were numbers.
// Everything that inspects values here goes through is_number()/number_text(), never
// Value::IsNumber().
//
// Parsing is bounded against hostile input: the iterative parser (no recursion), a nesting limit
// and a per-array limit, and UTF-8 is validated.
#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

inline constexpr std::size_t kMaxJsonDepth = 32;       // nested objects and arrays
inline constexpr std::size_t kMaxArrayItems = 10'000;  // in any one array or object

class JsonDocument {
 public:
  // A document that is not JSON, nests too deep or has too long an array: one error issue
  // (code structure or too-costly) naming the offset, never the content.
  static Expected<JsonDocument, Issue> parse(std::string_view text) { return parse(text, kMaxJsonDepth); }
  // The same with another nesting limit: for JSON this server wrote itself (a Bundle around stored
  // resources nests deeper than any one request may).
  static Expected<JsonDocument, Issue> parse(std::string_view text, std::size_t max_depth);

  JsonDocument(JsonDocument&&) noexcept;
  JsonDocument& operator=(JsonDocument&&) noexcept;
  ~JsonDocument();

  const rapidjson::Value& root() const;

  bool is_number(const rapidjson::Value& v) const;
  bool is_string(const rapidjson::Value& v) const { return v.IsString() && !is_number(v); }
  // The number as sent ("4.50", "-1e3"); empty when v is not a number.
  std::string_view number_text(const rapidjson::Value& v) const;

 private:
  struct Impl;
  explicit JsonDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // behind a pointer: values point into its buffer, which must not move
};

// The text of a string value (call only when is_string/is_number).
inline std::string_view text_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

}  // namespace medgw::fhir

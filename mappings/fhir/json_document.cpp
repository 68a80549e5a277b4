#include "mappings/fhir/json_document.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace medgw::fhir {

struct JsonDocument::Impl {
  std::string buffer;  // parsed in situ: string and number values point into it
  rapidjson::Document doc;
  std::unordered_set<const char*> numbers;  // where each number's text starts in `buffer`
};

namespace {

// Forwards SAX events to the Document, recording numbers and enforcing the limits. Returning false
// stops the parser (kParseErrorTermination); `limit` says which limit it was.
struct BoundedHandler {
  rapidjson::Document& doc;
  std::unordered_set<const char*>& numbers;
  std::vector<std::size_t> counts;  // items so far in each open array (0 for objects)
  std::size_t max_depth = kMaxJsonDepth;
  const char* limit = nullptr;

  bool item() {
    if (!counts.empty() && ++counts.back() > kMaxArrayItems) {
      limit = "an array or object has more items than the limit";
      return false;
    }
    return true;
  }
  bool open() {
    if (!item()) return false;
    if (counts.size() >= max_depth) {
      limit = "the document nests deeper than the limit";
      return false;
    }
    return true;
  }
  bool Null() { return item() && doc.Null(); }
  bool Bool(bool b) { return item() && doc.Bool(b); }
  // With kParseNumbersAsStringsFlag only RawNumber is called for numbers.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    if (copy) return false;  // only in situ parsing is used, where numbers are never copied
    numbers.insert(s);
    return item() && doc.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return item() && doc.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool StartObject() {
    if (!open()) return false;
    counts.push_back(0);
    return doc.StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    counts.pop_back();
    return doc.EndObject(n);
  }
  bool StartArray() {
    if (!open()) return false;
    counts.push_back(0);
    return doc.StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    counts.pop_back();
    return doc.EndArray(n);
  }
};

constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                            rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;

}  // namespace

JsonDocument::JsonDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonDocument::JsonDocument(JsonDocument&&) noexcept = default;
JsonDocument& JsonDocument::operator=(JsonDocument&&) noexcept = default;
JsonDocument::~JsonDocument() = default;

Expected<JsonDocument, Issue> JsonDocument::parse(std::string_view text, std::size_t max_depth) {
  auto impl = std::make_unique<Impl>();
  if (text.find('\0') != std::string_view::npos) {
    // The in situ stream ends at the first NUL; JSON text never holds a raw one anyway.
    return unexpected(Issue{Severity::kError, issue_code::kStructure, "", "the body is not valid JSON (a NUL byte)"});
  }
  impl->buffer.assign(text);
  // Padding: rapidjson's UTF-8 validation takes every continuation byte a lead byte announces
  // before it checks them, so a body ending in a lead byte (0xF3 at the end of a string) makes the
  // in situ stream read up to three bytes past the terminator. Found by tests/fuzz/fuzz_fhir_xml.
  impl->buffer.append(4, '\0');
  rapidjson::Reader reader;
  rapidjson::InsituStringStream stream(impl->buffer.data());
  BoundedHandler handler{impl->doc, impl->numbers, {}, max_depth, nullptr};
  bool ok = true;
  std::size_t offset = 0;
  rapidjson::ParseErrorCode code = rapidjson::kParseErrorNone;
  auto generator = [&](rapidjson::Document&) {
    const rapidjson::ParseResult r = reader.Parse<kFlags>(stream, handler);
    ok = !r.IsError();
    offset = r.Offset();
    code = r.Code();
    return ok;
  };
  impl->doc.Populate(generator);
  if (!ok) {
    if (handler.limit != nullptr) {
      return unexpected(Issue{Severity::kError, issue_code::kTooCostly, "", handler.limit});
    }
    return unexpected(Issue{Severity::kError, issue_code::kStructure, "",
                            std::string("the body is not valid JSON: ") + rapidjson::GetParseError_En(code) +
                                " (at byte " + std::to_string(offset) + ")"});
  }
  return JsonDocument(std::move(impl));
}

const rapidjson::Value& JsonDocument::root() const {
  return impl_->doc;
}

bool JsonDocument::is_number(const rapidjson::Value& v) const {
  return v.IsString() && impl_->numbers.count(v.GetString()) != 0;
}

std::string_view JsonDocument::number_text(const rapidjson::Value& v) const {
  if (!is_number(v)) return {};
  return text_of(v);
}

}  // namespace medgw::fhir

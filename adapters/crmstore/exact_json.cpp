#include "adapters/crmstore/exact_json.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <string>

namespace medgw::crmstore {
namespace {

// Bytes no JSON text the store receives can start a string with: 0xFF never occurs in UTF-8, and
// medgw's inputs are UTF-8 (validated at the door).
constexpr std::string_view kNumberTag = "\xFF\xFEN";

// Forwards parse events to the document, turning each number into a tagged string.
struct TaggingHandler {
  rapidjson::Document& d;
  bool Null() { return d.Null(); }
  bool Bool(bool b) { return d.Bool(b); }
  bool Int(int i) { return d.Int(i); }
  bool Uint(unsigned u) { return d.Uint(u); }
  bool Int64(std::int64_t i) { return d.Int64(i); }
  bool Uint64(std::uint64_t u) { return d.Uint64(u); }
  bool Double(double x) { return d.Double(x); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    std::string tagged(kNumberTag);
    tagged.append(s, n);
    return d.String(tagged.data(), static_cast<rapidjson::SizeType>(tagged.size()), true);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return d.String(s, n, copy); }
  bool StartObject() { return d.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return d.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return d.EndObject(n); }
  bool StartArray() { return d.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return d.EndArray(n); }
};

}  // namespace

bool parse_exact(rapidjson::Document& d, std::string_view json) {
  bool ok = false;
  auto generate = [&](rapidjson::Document& handler) {
    TaggingHandler tagging{handler};
    rapidjson::MemoryStream ms(json.data(), json.size());
    rapidjson::Reader reader;
    ok = !reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(ms, tagging).IsError();
    return ok;
  };
  d.Populate(generate);
  return ok && !d.HasParseError();
}

bool ExactWriter::String(const char* s, rapidjson::SizeType n, bool copy) {
  const std::string_view text(s, n);
  if (text.substr(0, kNumberTag.size()) == kNumberTag) {
    return w_.RawValue(s + kNumberTag.size(), n - kNumberTag.size(), rapidjson::kNumberType);
  }
  return w_.String(s, n, copy);
}

void write_exact(const rapidjson::Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  ExactWriter exact(w);
  v.Accept(exact);
}

}  // namespace medgw::crmstore

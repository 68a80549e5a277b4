#pragma once
// FHIR JSON re-written without changing its numbers. A decimal's text is its precision in FHIR
// ("5.20" says two decimals were measured); RapidJSON's DOM keeps numbers as doubles and would
// write 5.2. Documents the store rewrites (ids, meta, references) are parsed with every number
// kept as its text, tagged, and written back raw through ExactWriter.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace medgw::crmstore {

// Parses `json` into `d` with each number held as a tagged string (its exact text). False on a
// parse error. Only ExactWriter may write such a document: plain Accept would quote the numbers.
bool parse_exact(rapidjson::Document& d, std::string_view json);

// A SAX handler writing to a rapidjson::Writer, turning tagged numbers back into raw numbers.
class ExactWriter {
 public:
  explicit ExactWriter(rapidjson::Writer<rapidjson::StringBuffer>& w) : w_(w) {}
  bool Null() { return w_.Null(); }
  bool Bool(bool b) { return w_.Bool(b); }
  bool Int(int i) { return w_.Int(i); }
  bool Uint(unsigned u) { return w_.Uint(u); }
  bool Int64(std::int64_t i) { return w_.Int64(i); }
  bool Uint64(std::uint64_t u) { return w_.Uint64(u); }
  bool Double(double d) { return w_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return w_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy);
  bool StartObject() { return w_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return w_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return w_.EndObject(n); }
  bool StartArray() { return w_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return w_.EndArray(n); }

 private:
  rapidjson::Writer<rapidjson::StringBuffer>& w_;
};

// Writes `v` (from parse_exact, or any document) to `w` with exact numbers.
void write_exact(const rapidjson::Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w);

}  // namespace medgw::crmstore

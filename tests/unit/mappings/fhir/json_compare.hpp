#pragma once
// Compares two FHIR JSON texts as data: member order and whitespace ignored, numbers compared by
// their text (5.20 is not 5.2) and never equal to a string. Returns "" when equal, else the path
// of the first difference and what differs, for a failure message.
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "mappings/fhir/json_document.hpp"

namespace medgw::fhir::test {

// kExact: numbers equal only as the same text. kExponentMayDiffer: also when one is written with
// an exponent and both have the same value ("1.0e0" and "1.0"), for the XML twins whose JSON was
// generated with a different number form.
enum class NumberText { kExact, kExponentMayDiffer };

// `ignore(key)`: members of that name are left out on both sides (e.g. "div").
inline std::string json_difference(const JsonDocument& da, const rapidjson::Value& a, const JsonDocument& db,
                                   const rapidjson::Value& b, const std::string& path,
                                   const std::function<bool(std::string_view)>& ignore, NumberText numbers) {
  auto kind = [](const JsonDocument& d, const rapidjson::Value& v) {
    if (d.is_number(v)) return 'n';
    if (v.IsString()) return 's';
    if (v.IsObject()) return 'o';
    if (v.IsArray()) return 'a';
    if (v.IsBool()) return 'b';
    return 'z';
  };
  const char ka = kind(da, a), kb = kind(db, b);
  if (ka != kb) return path + ": a " + ka + " and a " + kb;
  switch (ka) {
    case 'n':
    case 's':
      if (ka == 'n' && numbers == NumberText::kExponentMayDiffer && text_of(a) != text_of(b)) {
        const std::string x(text_of(a)), y(text_of(b));
        if (x.find_first_of("eE") != std::string::npos || y.find_first_of("eE") != std::string::npos) {
          if (std::strtod(x.c_str(), nullptr) == std::strtod(y.c_str(), nullptr)) return "";
        }
      }
      if (text_of(a) != text_of(b)) {
        return path + ": \"" + std::string(text_of(a)).substr(0, 200) + "\" and \"" +
               std::string(text_of(b)).substr(0, 200) + "\"";
      }
      return "";
    case 'b':
      return a.GetBool() == b.GetBool() ? "" : path + ": booleans differ";
    case 'a':
      if (a.Size() != b.Size())
        return path + ": " + std::to_string(a.Size()) + " and " + std::to_string(b.Size()) + " items";
      for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
        auto d = json_difference(da, a[i], db, b[i], path + "[" + std::to_string(i) + "]", ignore, numbers);
        if (!d.empty()) return d;
      }
      return "";
    case 'o': {
      for (auto m = a.MemberBegin(); m != a.MemberEnd(); ++m) {
        const std::string_view name = text_of(m->name);
        if (ignore && ignore(name)) continue;
        auto other = b.FindMember(m->name);
        if (other == b.MemberEnd()) return path + "." + std::string(name) + ": only in the first";
        auto d = json_difference(da, m->value, db, other->value, path + "." + std::string(name), ignore, numbers);
        if (!d.empty()) return d;
      }
      for (auto m = b.MemberBegin(); m != b.MemberEnd(); ++m) {
        const std::string_view name = text_of(m->name);
        if (ignore && ignore(name)) continue;
        if (!a.HasMember(m->name)) return path + "." + std::string(name) + ": only in the second";
      }
      return "";
    }
    default:
      return "";
  }
}

inline std::string json_difference(std::string_view a, std::string_view b,
                                   const std::function<bool(std::string_view)>& ignore = {},
                                   NumberText numbers = NumberText::kExact) {
  auto da = JsonDocument::parse(a, 256);
  if (!da) return "the first is not JSON: " + da.error().diagnostics;
  auto db = JsonDocument::parse(b, 256);
  if (!db) return "the second is not JSON: " + db.error().diagnostics;
  return json_difference(*da, da->root(), *db, db->root(), "", ignore, numbers);
}

}  // namespace medgw::fhir::test

#include "mappings/fhir/validate.hpp"

#include "mappings/fhir/required_codes.hpp"

#include <algorithm>
#include <utility>

#include "mappings/fhir/primitives.hpp"
#include "mappings/fhir/structure.hpp"

namespace medgw::fhir {
namespace {

// The _element form of a primitive: only Element's id and extension.
constexpr TypeDef kPrimitiveElement{"Element", Base::kElement, {}};

// A client's names (resourceType, an unknown element) are echoed in expressions and diagnostics
// only when they look like names: anything else might be data, and is not repeated back (nor
// written to logs).
std::string safe_name(std::string_view t) {
  const bool plain = !t.empty() && t.size() <= 64 && std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  return plain ? std::string(t) : std::string("(unrecognised)");
}

std::string stem_of(const ElementDef& def) {
  return std::string(def.is_choice() ? def.name.substr(0, def.name.size() - 3) : def.name);
}

class Validator {
 public:
  explicit Validator(const JsonDocument& doc) : doc_(doc) {}

  void resource(const rapidjson::Value& v, const std::string& prefix, std::size_t depth, bool nested) {
    if (!v.IsObject()) {
      add(Severity::kError, issue_code::kStructure, prefix, "a resource must be a JSON object");
      return;
    }
    const auto rt = v.FindMember("resourceType");
    if (rt == v.MemberEnd() || !doc_.is_string(rt->value)) {
      add(Severity::kError, issue_code::kRequired, prefix.empty() ? "resourceType" : prefix + ".resourceType",
          "resourceType is required and must be a string");
      return;
    }
    const std::string_view type = text_of(rt->value);
    const TypeDef* def = is_supported_resource(type) ? find_type(type) : nullptr;
    const std::string path = prefix.empty() ? safe_name(type) : prefix;
    if (def == nullptr) {
      if (nested) {
        add(Severity::kInformation, issue_code::kNotSupported, path,
            "a " + safe_name(type) + " resource is not validated: medgw does not take that type");
      } else {
        add(Severity::kError, issue_code::kNotSupported, path,
            "resource type " + safe_name(type) + " is not supported");
      }
      return;
    }
    object(v, *def, path, depth, true);
    check_required_codes(doc_, v, type, path, issues_);
  }

  std::vector<Issue> take() && { return std::move(issues_); }

 private:
  struct Seen {
    const ElementDef* def;
    std::string_view json_name;
  };

  void add(Severity s, const char* code, std::string expression, std::string diagnostics) {
    if (issues_.size() == kMaxIssues) {
      issues_.push_back({Severity::kInformation, issue_code::kTooCostly, "", "further issues were not reported"});
    }
    if (issues_.size() > kMaxIssues) return;
    issues_.push_back({s, code, std::move(expression), std::move(diagnostics)});
  }

  void object(const rapidjson::Value& v, const TypeDef& type, const std::string& path, std::size_t depth,
              bool is_resource) {
    if (depth > kMaxJsonDepth) {
      add(Severity::kError, issue_code::kTooCostly, path, "the resource nests deeper than the limit");
      return;
    }
    if (!v.IsObject()) {
      add(Severity::kError, issue_code::kStructure, path, path + " must be a JSON object");
      return;
    }
    if (v.MemberCount() == 0) {
      add(Severity::kError, issue_code::kStructure, path, path + " must not be an empty object");
      return;
    }
    std::vector<Seen> seen;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view name = text_of(m->name);
      if (is_resource && name == "resourceType") continue;
      const std::string child = path + "." + safe_name(name);
      const bool underscore = name.starts_with('_');
      const std::optional<ElementMatch> match = find_element(type, underscore ? name.substr(1) : name);
      if (!match || (underscore && !is_primitive_type(match->type))) {
        add(Severity::kError, issue_code::kStructure, child,
            "unknown element: " + safe_name(name) + " is not an element of " + std::string(type.name));
        continue;
      }
      if (!note_seen(seen, *match->def, name, child)) continue;
      if (underscore) {
        primitive_element(m->value, *match->def, child, depth);
      } else {
        element(m->value, *match->def, match->type, child, depth);
      }
    }
    required(type, seen, path);
    if (type.name == "Extension") extension_rule(v, path);
  }

  // Records the element; false (with an issue) for a repeated name or a second choice variant.
  bool note_seen(std::vector<Seen>& seen, const ElementDef& def, std::string_view name, const std::string& child) {
    for (const Seen& s : seen) {
      if (s.json_name == name) {
        add(Severity::kError, issue_code::kStructure, child, child + " appears more than once");
        return false;
      }
      if (s.def == &def && def.is_choice()) {
        const std::string_view a = s.json_name.starts_with('_') ? s.json_name.substr(1) : s.json_name;
        const std::string_view b = name.starts_with('_') ? name.substr(1) : name;
        if (a != b) {
          add(Severity::kError, issue_code::kStructure, child,
              "only one type of " + std::string(def.name) + " may be present");
          return false;
        }
      }
    }
    seen.push_back({&def, name});
    return true;
  }

  void required(const TypeDef& type, const std::vector<Seen>& seen, const std::string& path) {
    for (std::span<const ElementDef> table : element_tables(type)) {
      for (const ElementDef& def : table) {
        if (def.min == 0) continue;
        const bool present = std::any_of(seen.begin(), seen.end(), [&](const Seen& s) { return s.def == &def; });
        if (!present) {
          const std::string child = path + "." + stem_of(def);
          add(Severity::kError, issue_code::kRequired, child,
              child + " is required (minimum cardinality " + std::to_string(def.min) + ")");
        }
      }
    }
  }

  // ext-1: an extension has either a value or nested extensions, not both and not neither.
  void extension_rule(const rapidjson::Value& v, const std::string& path) {
    bool value = false;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view n = text_of(m->name);
      value = value || (n.starts_with("value") && n.size() > 5);
    }
    const bool nested = v.HasMember("extension");
    if (value == nested) {
      add(Severity::kError, issue_code::kInvalid, path,
          "an extension must have either extensions or value[x], not both (ext-1)");
    }
  }

  void element(const rapidjson::Value& v, const ElementDef& def, std::string_view type, const std::string& path,
               std::size_t depth) {
    if (v.IsArray()) {
      if (def.max == 1) {
        add(Severity::kError, issue_code::kStructure, path, path + " must be a single value, not an array");
        return;
      }
      if (v.Empty()) {
        add(Severity::kError, issue_code::kStructure, path, path + " must not be an empty array (omit it instead)");
        return;
      }
      if (v.Size() > def.max) {
        add(Severity::kError, issue_code::kStructure, path,
            path + " has more than " + std::to_string(def.max) + " items");
      }
      if (v.Size() < def.min) {
        add(Severity::kError, issue_code::kRequired, path,
            path + " needs at least " + std::to_string(def.min) + " items");
      }
      const bool primitive = is_primitive_type(type);
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        // A null item in a primitive array keeps the positions aligned with its _element array.
        if (primitive && v[i].IsNull()) continue;
        item(v[i], type, path + "[" + std::to_string(i) + "]", depth);
      }
      return;
    }
    if (def.max != 1) {
      add(Severity::kError, issue_code::kStructure, path, path + " must be an array");
      return;
    }
    item(v, type, path, depth);
  }

  void primitive_element(const rapidjson::Value& v, const ElementDef& def, const std::string& path, std::size_t depth) {
    if (v.IsArray() != (def.max != 1)) {
      add(Severity::kError, issue_code::kStructure, path,
          path + (def.max == 1 ? " must be a single value, not an array" : " must be an array"));
      return;
    }
    if (!v.IsArray()) {
      object(v, kPrimitiveElement, path, depth + 1, false);
      return;
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!v[i].IsNull()) object(v[i], kPrimitiveElement, path + "[" + std::to_string(i) + "]", depth + 1, false);
    }
  }

  void item(const rapidjson::Value& v, std::string_view type, const std::string& path, std::size_t depth) {
    if (v.IsNull()) {
      add(Severity::kError, issue_code::kStructure, path, path + " must not be null (omit it instead)");
      return;
    }
    if (is_primitive_type(type)) {
      primitive(v, type, path);
      return;
    }
    if (type == "Resource") {
      resource(v, path, depth + 1, true);
      return;
    }
    const TypeDef* def = find_type(type);
    if (def == nullptr) {
      add(Severity::kInformation, issue_code::kNotSupported, path,
          "the " + std::string(type) + " datatype is not validated");
      return;
    }
    object(v, *def, path, depth + 1, false);
  }

  void primitive(const rapidjson::Value& v, std::string_view type, const std::string& path) {
    bool kind_ok = false;
    const char* expected = "a string";
    switch (json_kind(type)) {
      case JsonKind::kString:
        kind_ok = doc_.is_string(v);
        break;
      case JsonKind::kNumber:
        kind_ok = doc_.is_number(v);
        expected = "a number";
        break;
      case JsonKind::kBoolean:
        kind_ok = v.IsBool();
        expected = "true or false";
        break;
    }
    if (!kind_ok) {
      add(Severity::kError, issue_code::kStructure, path,
          path + " must be " + expected + " (FHIR type " + std::string(type) + ")");
      return;
    }
    if (v.IsBool()) return;
    if (const char* why = check_primitive(type, text_of(v))) {
      add(Severity::kError, issue_code::kValue, path, path + " " + why);
    }
  }

  const JsonDocument& doc_;
  std::vector<Issue> issues_;
};

}  // namespace

std::vector<Issue> validate_resource(const JsonDocument& doc, const rapidjson::Value& resource,
                                     const std::string& path) {
  Validator v(doc);
  v.resource(resource, path, 0, false);
  return std::move(v).take();
}

std::vector<Issue> validate(const JsonDocument& doc) {
  return validate_resource(doc, doc.root());
}

std::vector<Issue> validate_json(std::string_view text) {
  auto doc = JsonDocument::parse(text);
  if (!doc) return {doc.error()};
  return validate(*doc);
}

}  // namespace medgw::fhir

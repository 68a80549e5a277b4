#include "mappings/fhir/json_to_xml.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/primitives.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/xhtml.hpp"
#include "mappings/fhir/xml_to_json.hpp"

namespace medgw::fhir {
namespace {

// Deep enough for any Bundle this server writes around resources that were each accepted within
// kMaxJsonDepth; a bound all the same.
constexpr std::size_t kMaxOutputDepth = 4 * kMaxJsonDepth;

// The inherited elements of types without a table: a resource's meta, text, contained and
// extensions, an element's extensions, are still typed.
constexpr TypeDef kAnyResource{"Resource", Base::kDomainResource, {}};
constexpr TypeDef kAnyElement{"Element", Base::kElement, {}};

bool xml_name_ok(std::string_view n) {
  return !n.empty() && n.size() <= 128 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  }) && !(n[0] >= '0' && n[0] <= '9');
}

// XML 1.0 cannot carry C0 controls other than tab, LF and CR, escaped or not.
bool xml_chars_ok(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && u != '\t' && u != '\n' && u != '\r';
  });
}

const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name) {
  const auto it = obj.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

class Converter {
 public:
  explicit Converter(const JsonDocument& doc) : doc_(doc) {}

  std::string out;
  std::optional<Issue> error;

  bool resource(const rapidjson::Value& v, const std::string& prefix, bool root) {
    const rapidjson::Value* rt = v.IsObject() ? member(v, "resourceType") : nullptr;
    if (rt == nullptr || !doc_.is_string(*rt) || !xml_name_ok(text_of(*rt))) {
      return fail(prefix.empty() ? "resourceType" : prefix, "a resource needs a resourceType");
    }
    const std::string_view name = text_of(*rt);
    const std::string path = prefix.empty() ? std::string(name) : prefix;
    const TypeDef* type = find_type(name);
    if (type == nullptr || (type->base != Base::kResource && type->base != Base::kDomainResource)) {
      type = &kAnyResource;
    }
    out += '<';
    out += name;
    if (root) {
      out += " xmlns=\"";
      out += kFhirNamespace;
      out += '"';
    }
    out += '>';
    if (!members(v, *type, path, true)) return false;
    out += "</";
    out += name;
    out += '>';
    return true;
  }

 private:
  struct Item {
    std::string_view name;                    // without the leading '_'
    const rapidjson::Value* value = nullptr;  // "name"
    const rapidjson::Value* extra = nullptr;  // "_name": id and extensions of a primitive
    std::string_view type;                    // "" when unknown
    std::size_t order = 0;
  };

  bool fail(const std::string& path, std::string why) {
    if (!error) error = Issue{Severity::kError, issue_code::kNotSupported, path, path + ": " + std::move(why)};
    return false;
  }

  // Where the element comes in the definitions: the index of its row, tables concatenated.
  static std::optional<std::size_t> rank(const TypeDef& type, const ElementDef* def) {
    std::size_t i = 0;
    for (std::span<const ElementDef> table : element_tables(type)) {
      for (const ElementDef& e : table) {
        if (&e == def) return i;
        ++i;
      }
    }
    return std::nullopt;
  }

  bool members(const rapidjson::Value& obj, const TypeDef& type, const std::string& path, bool is_resource) {
    std::vector<Item> items;
    std::size_t unknown = 1000;
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
      std::string_view name = text_of(m->name);
      if (name == "resourceType" && is_resource) continue;
      if (name == "fhir_comments") continue;
      const bool underscore = name.starts_with('_');
      if (underscore) name.remove_prefix(1);
      // An element's id and an extension's url are attributes, written with the start tag.
      if (!is_resource && !underscore && (name == "id" || (name == "url" && type.name == "Extension"))) continue;
      if (!xml_name_ok(name)) return fail(path, "a member name that is not an XML name");
      auto it = std::find_if(items.begin(), items.end(), [&](const Item& x) { return x.name == name; });
      if (it == items.end()) {
        Item item{name, nullptr, nullptr, {}, 0};
        if (auto match = find_element(type, name)) {
          item.type = match->type;
          item.order = *rank(type, match->def);
        } else {
          item.order = unknown++;
        }
        items.push_back(item);
        it = items.end() - 1;
      }
      (underscore ? it->extra : it->value) = &m->value;
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.order < b.order; });
    for (const Item& item : items) {
      if (!element(item, path + "." + std::string(item.name))) return false;
    }
    return true;
  }

  bool element(const Item& item, const std::string& path) {
    const rapidjson::Value* v = item.value;
    const rapidjson::Value* x = item.extra;
    if ((v && v->IsArray()) || (x && x->IsArray())) {
      const rapidjson::SizeType n = std::max(v && v->IsArray() ? v->Size() : 0u, x && x->IsArray() ? x->Size() : 0u);
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        const rapidjson::Value* vi = v && v->IsArray() && i < v->Size() ? &(*v)[i] : nullptr;
        const rapidjson::Value* xi = x && x->IsArray() && i < x->Size() ? &(*x)[i] : nullptr;
        if (!one(item, vi, xi, path + "[" + std::to_string(i) + "]")) return false;
      }
      return true;
    }
    return one(item, v, x, path);
  }

  bool one(const Item& item, const rapidjson::Value* v, const rapidjson::Value* x, const std::string& path) {
    if (v && v->IsNull()) v = nullptr;
    if (x && x->IsNull()) x = nullptr;
    if (!v && !x) return true;
    if (++depth_ > kMaxOutputDepth) return fail(path, "nests too deep");
    const bool ok = v && v->IsObject() ? complex(item, *v, path) : primitive(item, v, x, path);
    --depth_;
    return ok;
  }

  bool complex(const Item& item, const rapidjson::Value& v, const std::string& path) {
    const rapidjson::Value* rt = member(v, "resourceType");
    if (item.type == "Resource" || (item.type.empty() && rt != nullptr)) {
      open(item.name);
      out += '>';
      if (!resource(v, path, false)) return false;
      close(item.name);
      return true;
    }
    const TypeDef* type = item.type.empty() ? nullptr : find_type(item.type);
    const bool extension = item.type == "Extension" ||
                           (item.type.empty() && (item.name == "extension" || item.name == "modifierExtension"));
    if (extension) type = find_type("Extension");
    if (type == nullptr) type = &kAnyElement;
    open(item.name);
    if (!attribute("id", member(v, "id"), path)) return false;
    if (extension && !attribute("url", member(v, "url"), path)) return false;
    const std::size_t before = out.size();
    out += '>';
    if (!members(v, *type, path, false)) return false;
    if (out.size() == before + 1) {
      out.back() = '/';
      out += '>';
    } else {
      close(item.name);
    }
    return true;
  }

  bool primitive(const Item& item, const rapidjson::Value* v, const rapidjson::Value* x, const std::string& path) {
    if (v && doc_.is_string(*v) && (item.type == "xhtml" || (item.type.empty() && item.name == "div"))) {
      auto div = normalise_xhtml(text_of(*v), path);
      if (!div) {
        error = div.error();
        error->code = issue_code::kNotSupported;
        return false;
      }
      out += *div;
      return true;
    }
    open(item.name);
    if (x && !x->IsObject()) return fail(path, "the _" + std::string(item.name) + " companion must be an object");
    if (x && !attribute("id", member(*x, "id"), path)) return false;
    if (v) {
      if (v->IsBool()) {
        out += v->GetBool() ? " value=\"true\"" : " value=\"false\"";
      } else if (doc_.is_number(*v) || doc_.is_string(*v)) {
        if (!attribute("value", v, path)) return false;
      } else {
        return fail(path, "a primitive must be a string, number or boolean");
      }
    }
    const rapidjson::Value* ext = x ? member(*x, "extension") : nullptr;
    if (ext == nullptr || !ext->IsArray() || ext->Empty()) {
      out += "/>";
      return true;
    }
    out += '>';
    const Item e{"extension", ext, nullptr, "Extension", 0};
    if (!element(e, path + ".extension")) return false;
    close(item.name);
    return true;
  }

  bool attribute(const char* name, const rapidjson::Value* v, const std::string& path) {
    if (v == nullptr) return true;
    if (!doc_.is_string(*v) && !doc_.is_number(*v)) return fail(path, std::string("the ") + name + " must be a string");
    const std::string_view text = text_of(*v);
    if (!xml_chars_ok(text)) return fail(path, "holds a control character XML cannot carry");
    out += ' ';
    out += name;
    out += "=\"";
    append_xml_escaped(out, text, true);
    out += '"';
    return true;
  }

  void open(std::string_view name) {
    out += '<';
    out += name;
  }
  void close(std::string_view name) {
    out += "</";
    out += name;
    out += '>';
  }

  const JsonDocument& doc_;
  std::size_t depth_ = 0;
};

}  // namespace

Expected<std::string, Issue> fhir_json_to_xml(std::string_view json) {
  auto doc = JsonDocument::parse(json, kMaxOutputDepth);
  if (!doc) return unexpected(std::move(doc).error());
  Converter c(*doc);
  c.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  if (!c.resource(doc->root(), "", true)) return unexpected(std::move(*c.error));
  return std::move(c.out);
}

}  // namespace medgw::fhir

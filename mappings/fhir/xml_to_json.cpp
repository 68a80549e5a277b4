#include "mappings/fhir/xml_to_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "mappings/fhir/primitives.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/xhtml.hpp"

namespace medgw::fhir {
namespace {

constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string_view str(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

// Names from the document are echoed only when they look like FHIR names (validate.cpp does the
// same): anything else might be data, which must not reach a response or a log.
std::string safe_name(std::string_view t) {
  const bool plain = !t.empty() && t.size() <= 64 && std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  return plain ? std::string(t) : std::string("(unrecognised)");
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// The attribute's value (its text children), nullopt when absent.
std::optional<std::string> attribute(const xmlNode* e, const char* name) {
  for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
    if (a->ns != nullptr || str(a->name) != name) continue;
    std::string v;
    for (const xmlNode* t = a->children; t != nullptr; t = t->next) v += str(t->content);
    return v;
  }
  return std::nullopt;
}

void put(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

class Converter {
 public:
  Writer& w;
  std::optional<Issue> error;

  bool resource(const xmlNode* e, const std::string& prefix, bool root) {
    const std::string_view name = xml_name(e);
    const std::string path = prefix.empty() ? safe_name(name) : prefix;
    if (xml_namespace(e) != kFhirNamespace) {
      return fail(issue_code::kStructure, path, e,
                  std::string(root ? "the root element" : "a resource") + " must be in the FHIR namespace " +
                      std::string(kFhirNamespace));
    }
    const TypeDef* type = find_type(name);
    if (type == nullptr || (type->base != Base::kResource && type->base != Base::kDomainResource)) {
      return fail(issue_code::kNotSupported, path, e,
                  "resource type " + safe_name(name) + " is not supported in XML by this server");
    }
    for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
      if (root && a->ns != nullptr && str(a->ns->href) == kXsiNamespace) continue;  // xsi:schemaLocation
      return fail(issue_code::kStructure, path, e,
                  "a resource element takes no attributes (found " + safe_name(str(a->name)) + ")");
    }
    w.StartObject();
    w.Key("resourceType");
    put(w, name);
    if (!members(e, *type, path, true)) return false;
    w.EndObject();
    return true;
  }

 private:
  struct Group {
    std::string_view name;
    ElementMatch match;
    std::vector<const xmlNode*> nodes;
  };

  bool fail(const char* code, const std::string& path, const xmlNode* at, std::string diagnostics) {
    if (!error) {
      const long line = xmlGetLineNo(at);
      if (line > 0) diagnostics += " (line " + std::to_string(line) + ")";
      error = Issue{Severity::kError, code, path, std::move(diagnostics)};
    }
    return false;
  }

  // The child elements of `e` by name, in document order; text must be whitespace only.
  bool groups(const xmlNode* e, const TypeDef& type, const std::string& path, bool is_resource,
              std::vector<Group>& out) {
    for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        if (!is_blank(str(c->content))) {
          return fail(issue_code::kStructure, path, c,
                      path + " has text content: FHIR XML carries values in value attributes");
        }
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;  // comments, processing instructions
      const std::string_view name = xml_name(c);
      const std::string child = path + "." + safe_name(name);
      const bool narrative_div = type.name == "Narrative" && name == "div" && xml_namespace(c) == kXhtmlNamespace;
      if (!narrative_div && xml_namespace(c) != kFhirNamespace) {
        return fail(issue_code::kStructure, child, c,
                    "the element " + safe_name(name) + " is not in the FHIR namespace");
      }
      if ((!is_resource && name == "id") || (type.name == "Extension" && name == "url")) {
        return fail(issue_code::kStructure, child, c,
                    "the " + std::string(name) + " of " + std::string(type.name) + " is an attribute, not an element");
      }
      if (type.name == "Narrative" && name == "div" && !narrative_div) {
        return fail(issue_code::kStructure, child, c, "Narrative.div must be in the XHTML namespace");
      }
      const std::optional<ElementMatch> match = find_element(type, name);
      if (!match) {
        return fail(issue_code::kStructure, child, c,
                    "unknown element: " + safe_name(name) + " is not an element of " + std::string(type.name));
      }
      auto g = std::find_if(out.begin(), out.end(), [&](const Group& x) { return x.name == name; });
      if (g == out.end()) {
        out.push_back({name, *match, {}});
        g = out.end() - 1;
      }
      g->nodes.push_back(c);
    }
    return true;
  }

  bool members(const xmlNode* e, const TypeDef& type, const std::string& path, bool is_resource) {
    std::vector<Group> gs;
    if (!groups(e, type, path, is_resource, gs)) return false;
    for (const Group& g : gs) {
      const std::string child = path + "." + std::string(g.name);
      const bool array = g.match.def->max != 1;
      if (!array && g.nodes.size() > 1) {
        return fail(issue_code::kStructure, child, g.nodes[1],
                    child + " appears more than once (maximum cardinality 1)");
      }
      if (is_primitive_type(g.match.type)) {
        if (!primitive(g, array, child)) return false;
        continue;
      }
      w.Key(g.name.data(), static_cast<rapidjson::SizeType>(g.name.size()));
      if (array) w.StartArray();
      for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        if (!item(g.nodes[i], g.match.type, array ? child + "[" + std::to_string(i) + "]" : child)) return false;
      }
      if (array) w.EndArray();
    }
    return true;
  }

  bool item(const xmlNode* e, std::string_view type, const std::string& path) {
    if (type == "Resource") {
      if (e->properties != nullptr) return fail(issue_code::kStructure, path, e, path + " takes no attributes");
      const xmlNode* inner = nullptr;
      for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
          if (inner != nullptr) return fail(issue_code::kStructure, path, c, path + " must hold exactly one resource");
          inner = c;
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !is_blank(str(c->content))) {
          return fail(issue_code::kStructure, path, c, path + " has text content");
        }
      }
      if (inner == nullptr) return fail(issue_code::kStructure, path, e, path + " must hold exactly one resource");
      return resource(inner, path, false);
    }
    const TypeDef* def = find_type(type);
    if (def == nullptr) {
      return fail(issue_code::kNotSupported, path, e,
                  "the " + std::string(type) + " datatype is not supported in XML by this server");
    }
    w.StartObject();
    for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
      const std::string_view name = str(a->name);
      if (a->ns == nullptr && name == "id") continue;
      if (a->ns == nullptr && name == "url" && type == "Extension") continue;
      return fail(issue_code::kStructure, path, e,
                  "unexpected attribute " + safe_name(name) + " on " + std::string(type));
    }
    if (auto id = attribute(e, "id")) {
      w.Key("id");
      put(w, *id);
    }
    if (type == "Extension") {
      if (auto url = attribute(e, "url")) {
        w.Key("url");
        put(w, *url);
      }
    }
    if (!members(e, *def, path, false)) return false;
    w.EndObject();
    return true;
  }

  // One primitive element (or the repeats of one): "name" with the values, "_name" with the ids
  // and extensions, each an array aligned by nulls when the element repeats.
  struct Parts {
    std::optional<std::string> value, id;
    std::vector<const xmlNode*> extensions;
  };

  bool primitive(const Group& g, bool array, const std::string& path) {
    const std::string_view type = g.match.type;
    if (type == "xhtml") {
      auto text = xhtml_to_string(g.nodes.front(), path);
      if (!text) {
        error = text.error();
        return false;
      }
      w.Key(g.name.data(), static_cast<rapidjson::SizeType>(g.name.size()));
      put(w, *text);
      return true;
    }
    std::vector<Parts> parts;
    bool any_value = false, any_extra = false;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      const xmlNode* e = g.nodes[i];
      const std::string at = array ? path + "[" + std::to_string(i) + "]" : path;
      Parts p;
      for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
        const std::string_view name = str(a->name);
        if (a->ns == nullptr && (name == "value" || name == "id")) continue;
        return fail(issue_code::kStructure, at, e, "unexpected attribute " + safe_name(name) + " on a primitive");
      }
      p.value = attribute(e, "value");
      p.id = attribute(e, "id");
      for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
          if (xml_name(c) != "extension" || xml_namespace(c) != kFhirNamespace) {
            return fail(issue_code::kStructure, at + "." + safe_name(xml_name(c)), c,
                        "unknown element: a primitive holds only extensions");
          }
          p.extensions.push_back(c);
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !is_blank(str(c->content))) {
          return fail(issue_code::kStructure, at, c, at + " has text content: its value goes in the value attribute");
        }
      }
      if (!p.value && !p.id && p.extensions.empty()) {
        return fail(issue_code::kStructure, at, e, at + " has neither a value nor extensions");
      }
      if (p.value && !checked(*p.value, type, at, e)) return false;
      any_value = any_value || p.value.has_value();
      any_extra = any_extra || p.id.has_value() || !p.extensions.empty();
      parts.push_back(std::move(p));
    }
    if (any_value) {
      w.Key(g.name.data(), static_cast<rapidjson::SizeType>(g.name.size()));
      if (array) w.StartArray();
      for (const Parts& p : parts) {
        if (p.value) {
          value(*p.value, type);
        } else {
          w.Null();
        }
      }
      if (array) w.EndArray();
    }
    if (any_extra) {
      const std::string key = "_" + std::string(g.name);
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      if (array) w.StartArray();
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const Parts& p = parts[i];
        if (!p.id && p.extensions.empty()) {
          w.Null();
          continue;
        }
        w.StartObject();
        if (p.id) {
          w.Key("id");
          put(w, *p.id);
        }
        if (!p.extensions.empty()) {
          w.Key("extension");
          w.StartArray();
          const std::string at = (array ? path + "[" + std::to_string(i) + "]" : path) + ".extension";
          for (std::size_t k = 0; k < p.extensions.size(); ++k) {
            if (!item(p.extensions[k], "Extension", at + "[" + std::to_string(k) + "]")) return false;
          }
          w.EndArray();
        }
        w.EndObject();
      }
      if (array) w.EndArray();
    }
    return true;
  }

  // Numbers and booleans must be what their JSON form needs; strings are checked later, by the
  // validator, like any JSON body.
  bool checked(const std::string& v, std::string_view type, const std::string& path, const xmlNode* e) {
    switch (json_kind(type)) {
      case JsonKind::kBoolean:
        if (v != "true" && v != "false") {
          return fail(issue_code::kValue, path, e, path + " must be true or false (FHIR type boolean)");
        }
        return true;
      case JsonKind::kNumber:
        if (const char* why = check_primitive(type, v)) return fail(issue_code::kValue, path, e, path + " " + why);
        return true;
      case JsonKind::kString:
        return true;
    }
    return true;
  }

  void value(const std::string& v, std::string_view type) {
    switch (json_kind(type)) {
      case JsonKind::kBoolean:
        w.Bool(v == "true");
        return;
      case JsonKind::kNumber:
        w.RawValue(v.data(), v.size(), rapidjson::kNumberType);  // the text as sent: "5.20" stays 5.20
        return;
      case JsonKind::kString:
        put(w, v);
        return;
    }
  }
};

}  // namespace

Expected<std::string, Issue> fhir_xml_to_json(std::string_view xml, const XmlLimits& limits) {
  auto doc = parse_xml(xml, limits);
  if (!doc) return unexpected(std::move(doc).error());
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Converter c{w, std::nullopt};
  if (!c.resource(xmlDocGetRootElement(doc->get()), "", true)) return unexpected(std::move(*c.error));
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace medgw::fhir

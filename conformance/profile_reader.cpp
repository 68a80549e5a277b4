#include "conformance/profile_reader.hpp"

#include <charconv>

#include "mappings/fhir/xml_parser.hpp"

namespace medgw::conformance {
namespace {

// Profiles nest MSH..group..group..segment..field..component..sub-component: a dozen levels
// at most in the real grammars; 64 leaves room without letting a hostile file go deep.
constexpr fhir::XmlLimits kLimits{4u << 20, 64};

std::string attr(const xmlNode* node, const char* name) {
  xmlChar* v = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

bool is(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && fhir::xml_name(node) == name;
}

std::string where(const xmlNode* node) { return " (line " + std::to_string(node->line) + ")"; }

// A cardinality or length: digits, or "*" for unbounded when `star` is allowed.
Expected<std::size_t, std::string> number(const xmlNode* node, const char* name, std::size_t fallback,
                                          bool star = false) {
  std::string text = attr(node, name);
  if (text.empty()) return fallback;
  if (star && text == "*") return kUnbounded;
  // Newer exports write lengths as "1..20": the maximum is what a receiver checks.
  if (auto dots = text.find(".."); dots != std::string::npos) {
    text = text.substr(dots + 2);
    if (text == "*" || text == "#") return std::size_t{0};
  }
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 1'000'000'000) {
    return unexpected(std::string(name) + " is not a number" + where(node));
  }
  return value;
}

// "HL70001" and "0001" name the same table.
std::string table_id(std::string text) {
  if (text.size() > 3 && (text.rfind("HL7", 0) == 0 || text.rfind("hl7", 0) == 0)) text.erase(0, 3);
  return text;
}

Expected<Usage, std::string> usage_of(const xmlNode* node) {
  const std::string text = attr(node, "Usage");
  if (text.empty()) return Usage::kOptional;
  auto u = parse_usage(text);
  if (!u) return unexpected("unknown Usage \"" + text + "\"" + where(node));
  return *u;
}

Expected<ComponentDef, std::string> read_component(const xmlNode* node, bool sub) {
  ComponentDef c;
  c.name = attr(node, "Name");
  auto u = usage_of(node);
  if (!u) return unexpected(u.error());
  c.usage = *u;
  c.datatype = attr(node, "Datatype");
  auto len = number(node, "Length", 0);
  if (!len) return unexpected(len.error());
  c.max_length = *len;
  if (auto max_len = attr(node, "MaxLength"); !max_len.empty()) {
    auto m = number(node, "MaxLength", 0);
    if (!m) return unexpected(m.error());
    c.max_length = *m;
  }
  c.table = table_id(attr(node, "Table"));
  if (c.table.empty()) c.table = table_id(attr(node, "Binding"));
  for (const xmlNode* k = node->children; k != nullptr; k = k->next) {
    if (!sub && is(k, "SubComponent")) {
      auto s = read_component(k, true);
      if (!s) return unexpected(s.error());
      c.children.push_back(std::move(*s));
    }
  }
  return c;
}

Expected<FieldDef, std::string> read_field(const xmlNode* node) {
  FieldDef f;
  f.name = attr(node, "Name");
  auto u = usage_of(node);
  if (!u) return unexpected(u.error());
  f.usage = *u;
  auto min = number(node, "Min", f.usage == Usage::kRequired ? 1 : 0);
  auto max = number(node, "Max", 1, true);
  if (!min) return unexpected(min.error());
  if (!max) return unexpected(max.error());
  f.min = *min;
  f.max = *max;
  if (f.max != kUnbounded && f.min > f.max) return unexpected("Min is above Max" + where(node));
  f.datatype = attr(node, "Datatype");
  auto len = number(node, "Length", 0);
  if (!len) return unexpected(len.error());
  f.max_length = *len;
  if (auto max_len = attr(node, "MaxLength"); !max_len.empty()) {
    auto m = number(node, "MaxLength", 0);
    if (!m) return unexpected(m.error());
    f.max_length = *m;
  }
  f.table = table_id(attr(node, "Table"));
  if (f.table.empty()) f.table = table_id(attr(node, "Binding"));
  for (const xmlNode* k = node->children; k != nullptr; k = k->next) {
    if (is(k, "Component")) {
      auto c = read_component(k, false);
      if (!c) return unexpected(c.error());
      f.components.push_back(std::move(*c));
    }
  }
  return f;
}

Expected<std::vector<GrammarNode>, std::string> read_nodes(const xmlNode* parent);

Expected<GrammarNode, std::string> read_node(const xmlNode* node) {
  GrammarNode n;
  n.is_group = is(node, "SegGroup");
  n.name = attr(node, "Name");
  if (n.name.empty()) return unexpected(std::string(n.is_group ? "SegGroup" : "Segment") + " without Name" + where(node));
  auto u = usage_of(node);
  if (!u) return unexpected(u.error());
  n.usage = *u;
  auto min = number(node, "Min", n.usage == Usage::kRequired ? 1 : 0);
  auto max = number(node, "Max", 1, true);
  if (!min) return unexpected(min.error());
  if (!max) return unexpected(max.error());
  n.min = *min;
  n.max = *max;
  if (n.max != kUnbounded && n.min > n.max) return unexpected("Min is above Max" + where(node));
  if (n.is_group) {
    auto children = read_nodes(node);
    if (!children) return unexpected(children.error());
    if (children->empty()) return unexpected("SegGroup " + n.name + " has no segments" + where(node));
    n.children = std::move(*children);
    return n;
  }
  if (n.name.size() != 3) return unexpected("segment name \"" + n.name + "\" is not three characters" + where(node));
  SegmentDef s;
  s.name = n.name;
  s.long_name = attr(node, "LongName");
  for (const xmlNode* k = node->children; k != nullptr; k = k->next) {
    if (is(k, "Field")) {
      auto f = read_field(k);
      if (!f) return unexpected(f.error());
      s.fields.push_back(std::move(*f));
    }
  }
  n.segment = std::move(s);
  return n;
}

Expected<std::vector<GrammarNode>, std::string> read_nodes(const xmlNode* parent) {
  std::vector<GrammarNode> out;
  for (const xmlNode* k = parent->children; k != nullptr; k = k->next) {
    if (is(k, "Segment") || is(k, "SegGroup")) {
      auto n = read_node(k);
      if (!n) return unexpected(n.error());
      out.push_back(std::move(*n));
    }
  }
  return out;
}

const xmlNode* child(const xmlNode* node, std::string_view name) {
  for (const xmlNode* k = node->children; k != nullptr; k = k->next) {
    if (is(k, name)) return k;
  }
  return nullptr;
}

Expected<fhir::XmlDocPtr, std::string> parse(std::string_view xml) {
  auto doc = fhir::parse_xml(xml, kLimits);
  if (!doc) {
    std::string why = doc.error().diagnostics;
    // The shared parser words its refusals for FHIR; the rule is the same here.
    if (auto p = why.find(" in FHIR XML"); p != std::string::npos) why.erase(p, 12);
    return unexpected(why);
  }
  return std::move(*doc);
}

}  // namespace

std::optional<Usage> parse_usage(std::string_view text) {
  if (text == "R") return Usage::kRequired;
  if (text == "RE") return Usage::kRequiredOrEmpty;
  if (text == "O" || text == "B") return Usage::kOptional;  // B: kept for backward compatibility
  if (text == "C" || text == "CE") return Usage::kConditional;
  if (text == "X" || text == "W") return Usage::kNotSupported;
  return std::nullopt;
}

const char* to_string(Usage usage) {
  switch (usage) {
    case Usage::kRequired: return "R";
    case Usage::kRequiredOrEmpty: return "RE";
    case Usage::kOptional: return "O";
    case Usage::kConditional: return "C";
    case Usage::kNotSupported: return "X";
  }
  return "O";
}

std::string xml_root_name(std::string_view xml) {
  auto doc = parse(xml);
  if (!doc) return {};
  return std::string(fhir::xml_name(xmlDocGetRootElement(doc->get())));
}

Expected<MessageProfile, std::string> read_message_profile(std::string_view xml) {
  auto doc = parse(xml);
  if (!doc) return unexpected(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!is(root, "HL7v2xConformanceProfile") && !is(root, "ConformanceProfile")) {
    return unexpected(std::string("the root element is not HL7v2xConformanceProfile"));
  }
  const xmlNode* def = child(root, "HL7v2xStaticDef");
  if (def == nullptr) return unexpected(std::string("no HL7v2xStaticDef element"));
  MessageProfile p;
  p.identifier = attr(root, "Identifier");
  p.hl7_version = attr(root, "HL7Version");
  p.message_type = attr(def, "MsgType");
  p.event_type = attr(def, "EventType");
  p.structure = attr(def, "MsgStructID");
  if (p.message_type.empty()) return unexpected("HL7v2xStaticDef without MsgType" + where(def));
  auto nodes = read_nodes(def);
  if (!nodes) return unexpected(nodes.error());
  if (nodes->empty() || nodes->front().is_group || nodes->front().name != "MSH") {
    return unexpected(std::string("the message grammar does not start with MSH"));
  }
  p.grammar = std::move(*nodes);
  if (p.identifier.empty()) p.identifier = p.structure.empty() ? p.message_type + "_" + p.event_type : p.structure;
  return p;
}

Expected<ValueSets, std::string> read_value_sets(std::string_view xml) {
  auto doc = parse(xml);
  if (!doc) return unexpected(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!is(root, "ValueSetLibrary")) return unexpected(std::string("the root element is not ValueSetLibrary"));
  ValueSets out;
  for (const xmlNode* group = root->children; group != nullptr; group = group->next) {
    if (!is(group, "ValueSetDefinitions")) continue;
    for (const xmlNode* def = group->children; def != nullptr; def = def->next) {
      if (!is(def, "ValueSetDefinition")) continue;
      ValueSet vs;
      vs.id = table_id(attr(def, "BindingIdentifier"));
      if (vs.id.empty()) return unexpected("ValueSetDefinition without BindingIdentifier" + where(def));
      vs.name = attr(def, "Name");
      for (const xmlNode* e = def->children; e != nullptr; e = e->next) {
        if (!is(e, "ValueElement")) continue;
        std::string code = attr(e, "Value");
        if (code.empty()) return unexpected("ValueElement without Value" + where(e));
        vs.codes.insert(std::move(code));
      }
      std::string id = vs.id;
      out[id] = std::move(vs);
    }
  }
  return out;
}

Expected<SiteRules, std::string> read_site_rules(std::string_view xml) {
  auto doc = parse(xml);
  if (!doc) return unexpected(doc.error());
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!is(root, "SiteProfile")) return unexpected(std::string("the root element is not SiteProfile"));
  SiteRules site;
  site.name = attr(root, "Name");
  site.description = attr(root, "Description");
  site.base = attr(root, "Base");
  site.default_charset = attr(root, "DefaultCharset");
  for (const xmlNode* k = root->children; k != nullptr; k = k->next) {
    if (is(k, "NationalId")) {
      NationalIdRule r;
      if (auto s = attr(k, "Segment"); !s.empty()) r.segment = s;
      auto f = number(k, "Field", 3);
      if (!f || *f == 0) return unexpected("NationalId: Field must be a field number" + where(k));
      r.field = *f;
      r.authority = attr(k, "Authority");
      r.identifier_type = attr(k, "IdentifierType");
      if (r.authority.empty() && r.identifier_type.empty()) {
        return unexpected("NationalId needs Authority or IdentifierType" + where(k));
      }
      site.national_ids.push_back(std::move(r));
    } else if (is(k, "Override")) {
      Override o;
      o.segment = attr(k, "Segment");
      auto f = number(k, "Field", 0);
      auto c = number(k, "Component", 0);
      if (o.segment.size() != 3 || !f || *f == 0 || !c) {
        return unexpected("Override needs Segment and Field (and a numeric Component)" + where(k));
      }
      o.field = *f;
      o.component = *c;
      if (auto u = attr(k, "Usage"); !u.empty()) {
        o.usage = parse_usage(u);
        if (!o.usage) return unexpected("unknown Usage \"" + u + "\"" + where(k));
      }
      o.table = table_id(attr(k, "Table"));
      o.site.also_accepted = table_id(attr(k, "AlsoAccepted"));
      o.site.note = attr(k, "Note");
      site.overrides.push_back(std::move(o));
    }
  }
  return site;
}

}  // namespace medgw::conformance

#include "mappings/fhir/xhtml.hpp"

#include "mappings/fhir/xml_parser.hpp"

namespace medgw::fhir {
namespace {

std::string_view text_of(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

Issue narrative_issue(const std::string& path, std::string why) {
  return {Severity::kError, issue_code::kStructure, path, path + " " + std::move(why)};
}

// Recursion is bounded: parse_xml refused documents nesting deeper than XmlLimits::max_depth.
bool write_element(std::string& out, const xmlNode* e, bool root) {
  if (xml_namespace(e) != kXhtmlNamespace) return false;
  out += '<';
  out += xml_name(e);
  if (root) {
    out += " xmlns=\"";
    out += kXhtmlNamespace;
    out += '"';
  }
  for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
    out += ' ';
    if (a->ns != nullptr && a->ns->prefix != nullptr) {
      out += text_of(a->ns->prefix);
      out += ':';
    }
    out += text_of(a->name);
    out += "=\"";
    for (const xmlNode* v = a->children; v != nullptr; v = v->next) {
      if (v->type == XML_TEXT_NODE) append_xml_escaped(out, text_of(v->content), true);
    }
    out += '"';
  }
  bool any = false;
  for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE && c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) continue;
    if (!any) out += '>';
    any = true;
    if (c->type == XML_ELEMENT_NODE) {
      if (!write_element(out, c, false)) return false;
    } else {
      append_xml_escaped(out, text_of(c->content), false);
    }
  }
  if (!any) {
    out += "/>";
    return true;
  }
  out += "</";
  out += xml_name(e);
  out += '>';
  return true;
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text, bool attribute) {
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;  // in text too: a parser turns a raw CR into LF
      default:
        out += ch;
    }
  }
}

Expected<std::string, Issue> xhtml_to_string(const xmlNode* div, const std::string& path) {
  if (xml_name(div) != "div" || xml_namespace(div) != kXhtmlNamespace) {
    return unexpected(narrative_issue(path, "must be a <div> element in the XHTML namespace"));
  }
  std::string out;
  if (!write_element(out, div, true)) {
    return unexpected(narrative_issue(path, "may hold XHTML elements only"));
  }
  return out;
}

Expected<std::string, Issue> normalise_xhtml(std::string_view div, const std::string& path) {
  auto doc = parse_xml(div);
  if (!doc) {
    return unexpected(narrative_issue(path, "is not well-formed XHTML: " + doc.error().diagnostics));
  }
  return xhtml_to_string(xmlDocGetRootElement(doc->get()), path);
}

}  // namespace medgw::fhir

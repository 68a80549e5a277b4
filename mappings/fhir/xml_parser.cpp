#include "mappings/fhir/xml_parser.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace medgw::fhir {
namespace {

constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

Issue structure(std::string diagnostics) {
  return {Severity::kError, issue_code::kStructure, "", std::move(diagnostics)};
}

// Set by the SAX hooks below when the parser meets a DTD anyway (the text scan missed it).
struct ParseState {
  bool dtd = false;
};

void refuse_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseState*>(ctxt->_private)->dtd = true;
  xmlStopParser(ctxt);
}

void refuse_entity(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseState*>(ctxt->_private)->dtd = true;
  xmlStopParser(ctxt);
}

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

// The depth of the deepest element and whether an entity reference node survived; iterative, so
// a hostile depth cannot exhaust the stack here.
bool within_depth(const xmlNode* root, std::size_t max_depth, bool& entity_ref) {
  std::vector<std::pair<const xmlNode*, std::size_t>> stack{{root, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth) return false;
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE) entity_ref = true;
      if (c->type == XML_ELEMENT_NODE) stack.emplace_back(c, depth + 1);
    }
  }
  return true;
}

}  // namespace

std::string_view xml_name(const xmlNode* node) {
  return node->name ? std::string_view(reinterpret_cast<const char*>(node->name)) : std::string_view();
}

std::string_view xml_namespace(const xmlNode* node) {
  if (node->ns == nullptr || node->ns->href == nullptr) return {};
  return reinterpret_cast<const char*>(node->ns->href);
}

Expected<XmlDocPtr, Issue> parse_xml(std::string_view text, const XmlLimits& limits) {
  if (text.size() > limits.max_bytes || text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return unexpected(Issue{Severity::kError, issue_code::kTooCostly, "", "the XML document is larger than the limit"});
  }
  // XML names are case-sensitive: "<!DOCTYPE" and "<!ENTITY" are the only spellings. Found inside a
  // comment it is refused too, which costs nothing real.
  if (text.find("<!DOCTYPE") != std::string_view::npos || text.find("<!ENTITY") != std::string_view::npos) {
    return unexpected(structure("a DOCTYPE or entity declaration is not allowed in FHIR XML"));
  }
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });  // once, before threads share libxml2

  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return unexpected(structure("the XML parser could not start"));
  ParseState state;
  ctxt->_private = &state;
  ctxt->sax->internalSubset = refuse_subset;
  ctxt->sax->externalSubset = refuse_subset;
  ctxt->sax->entityDecl = refuse_entity;
  XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()), nullptr, nullptr, kOptions));
  if (state.dtd || (doc && (doc->intSubset != nullptr || doc->extSubset != nullptr))) {
    return unexpected(structure("a DOCTYPE or entity declaration is not allowed in FHIR XML"));
  }
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string where;
    if (e != nullptr && e->line > 0) {
      where = " (line " + std::to_string(e->line) + ", column " + std::to_string(e->int2) + ")";
    }
    if (e != nullptr && e->code == XML_ERR_INTERNAL_ERROR) {  // libxml2's nesting limit (256)
      return unexpected(
          Issue{Severity::kError, issue_code::kTooCostly, "", "the XML document nests deeper than the limit" + where});
    }
    // libxml2 says "AttValue length too long" for a value over 10,000,000 bytes with the same code
    // as an unfinished attribute, so one message covers both.
    return unexpected(structure("the body is not well-formed XML, or a value is longer than 10,000,000 bytes" + where));
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return unexpected(structure("the XML document has no root element"));
  bool entity_ref = false;
  if (!within_depth(root, limits.max_depth, entity_ref)) {
    return unexpected(
        Issue{Severity::kError, issue_code::kTooCostly, "", "the XML document nests deeper than the limit"});
  }
  if (entity_ref) return unexpected(structure("entity references are not allowed in FHIR XML"));
  return doc;
}

}  // namespace medgw::fhir

#pragma once
// Parsing untrusted XML (FHIR XML request bodies, narratives) with libxml2, hardened.
//
// FHIR forbids DTDs (http://hl7.org/fhir/R4/xml.html: "XML ... SHALL NOT contain a DOCTYPE"), so a
// document declaring one is refused outright, before libxml2 sees it and again by a SAX hook if it
// slips past the scan: no internal subset means no entity declarations, so neither billion laughs
// (nested entity expansion) nor XXE (an external entity naming file:///etc/passwd or a URL) can
// happen. On top of that, defence in depth: entities are never substituted (no XML_PARSE_NOENT),
// no DTD is loaded or validated (no DTDLOAD/DTDATTR/DTDVALID), there is no network access
// (XML_PARSE_NONET), XInclude is never processed, and libxml2's own limits stay on (no
// XML_PARSE_HUGE: text and attribute values up to 10,000,000 bytes, nesting up to 256). Our limits
// come first: the whole document's size and its element depth.
//
// libxml2 reports nothing on stderr (XML_PARSE_NOERROR/NOWARNING): its messages may quote the
// document, and the issue returned names the line and column only, never content.
#include <libxml/tree.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

struct XmlLimits {
  std::size_t max_bytes = 64u << 20;  // above the FHIR API's body limit: that one applies first
  std::size_t max_depth = 128;        // elements, narrative XHTML included
};

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

// A well-formed document within the limits, without DOCTYPE or entity references; otherwise one
// error issue (code structure, or too-costly for a limit).
Expected<XmlDocPtr, Issue> parse_xml(std::string_view text, const XmlLimits& limits = {});

// The element's local name and namespace URI ("" when none), as views into the tree.
std::string_view xml_name(const xmlNode* node);
std::string_view xml_namespace(const xmlNode* node);

}  // namespace medgw::fhir

#pragma once
// A narrative (Narrative.div, FHIR type xhtml) between its two forms: an element in FHIR XML, a
// string in FHIR JSON ("<div xmlns=\"http://www.w3.org/1999/xhtml\">...</div>").
//
// The string is written the way the FHIR publisher writes it, so the HL7 examples come back
// unchanged: the div carries xmlns, other elements carry no namespace declaration, empty elements
// are self-closed (<br/>), whitespace is kept as it is, and &, <, > and " are escaped in text and
// attribute values (' is not). Comments and processing instructions inside the div are dropped
// (FHIR JSON narratives carry none). Any element outside the XHTML namespace is refused: the
// narrative rules allow XHTML only.
#include <libxml/tree.h>

#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

inline constexpr std::string_view kXhtmlNamespace = "http://www.w3.org/1999/xhtml";

// `div` must be a <div> element in the XHTML namespace; `path` names it in issues.
Expected<std::string, Issue> xhtml_to_string(const xmlNode* div, const std::string& path);

// The JSON string form parsed again (with the hardened parser) and written the same way: what
// FHIR XML embeds. An ill-formed narrative is an error, never copied through unchecked.
Expected<std::string, Issue> normalise_xhtml(std::string_view div, const std::string& path);

// Escapes &, <, > and " (and, for attribute values, tab, CR and LF, which attribute-value
// normalisation would otherwise turn into spaces).
void append_xml_escaped(std::string& out, std::string_view text, bool attribute);

}  // namespace medgw::fhir

#pragma once
// FHIR R4 JSON text -> FHIR R4 XML text: what the FHIR API answers when a client asks for XML.
// The inverse of xml_to_json.hpp (the same rules read backwards), applied to JSON this server
// wrote: stored resources, Bundles around them, OperationOutcomes, the CapabilityStatement.
//
// Elements are written in the order of the R4 definitions (structure.hpp) whatever the order of
// the JSON members, because XML, unlike JSON, is ordered and checked against the schema. The
// OperationOutcome of every error has a table (structure_nested.hpp) and so the schema's order.
// Types without a table (the CapabilityStatement, a datatype medgw does not validate) keep their
// JSON order, which is the order this server writes them in. A member without a definition
// is written after the known ones, in JSON order, rather than dropped: nothing stored is lost on
// the way out. A narrative is parsed (hardened) and written again (xhtml.hpp); one that is not
// well-formed XHTML, or a string holding a character XML 1.0 cannot carry (a control character),
// makes the conversion fail: the caller answers that the resource cannot be given in XML.
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

// The document with an XML declaration, UTF-8, without indentation (whitespace in FHIR XML is
// insignificant outside narratives, and none is added inside them).
Expected<std::string, Issue> fhir_json_to_xml(std::string_view json);

}  // namespace medgw::fhir

#pragma once
// FHIR R4 XML -> FHIR R4 JSON text, following the spec's two representations
// (http://hl7.org/fhir/R4/xml.html, json.html), so a body in XML then takes the JSON path
// unchanged (JsonDocument::parse, validate, map_interaction).
//
//   <Patient xmlns="http://hl7.org/fhir">     {"resourceType":"Patient",   root = resourceType, FHIR namespace required
//   <birthDate id="b" value="1970-03-04">       "birthDate":"1970-03-04",  primitives: the value attribute;
//     <extension url="u">...</extension>        "_birthDate":{"id":"b","extension":[...]},  id and extensions in _name
//   <given value="A"/><given><extension/>       "given":["A",null],"_given":[null,{...}]     aligned with nulls
//   <valueQuantity>                             "valueQuantity":{...}      choice elements keep their type suffix
//   <contained><Patient>...</Patient>           "contained":[{"resourceType":"Patient",...}]  (also
//   Bundle.entry.resource) <div xmlns="http://www.w3.org/1999/xhtml">  "div":"<div xmlns=...>...</div>"  (xhtml.hpp)
//
// Whether an element is an array comes from its cardinality in structure.hpp (max > 1), never
// from how many times it appears; decimals, integers and booleans become JSON numbers and
// booleans, a number keeping its text exactly ("5.20" stays 5.20). Elements, types and resource
// types structure.hpp has no table for are errors (an issue naming the element's FHIRPath and
// the line), never guessed: guessing a cardinality would store a wrong shape silently.
// Comments are dropped (FHIR JSON has no comments). Attributes other than value, id (of elements
// that are not resources) and Extension.url are errors; xsi:* attributes on the root (a
// schemaLocation) are ignored.
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"
#include "mappings/fhir/xml_parser.hpp"

namespace medgw::fhir {

inline constexpr std::string_view kFhirNamespace = "http://hl7.org/fhir";

// One error issue when the text is not XML (xml_parser.hpp) or not FHIR XML medgw can read:
// code structure (an unknown element, a misplaced attribute or text, a repeated single element),
// value (a boolean or number that is not one) or not-supported (a type without a table).
Expected<std::string, Issue> fhir_xml_to_json(std::string_view xml, const XmlLimits& limits = {});

}  // namespace medgw::fhir

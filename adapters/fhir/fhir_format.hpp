#pragma once
// Which FHIR format a request's body is in and which one its answer must be in
// (http://hl7.org/fhir/R4/http.html#mime-type): JSON or XML.
//
// The answer: `_format` overrides Accept. `_format` may be json, xml or a MIME type
// (application/fhir+json, application/json, application/fhir+xml, application/xml, text/xml); an
// Accept header is a list with q-values, the highest acceptable q wins and, between equal ones,
// the first listed; */*, application/* or no Accept at all mean JSON, this server's default. Any
// other format (turtle, html) is nullopt: the caller answers 406.
//
// The body: Content-Type names JSON (…json) or XML (…xml); with none, a body starting with '<'
// is XML and anything else JSON (FHIR clients that omit it); any other type is nullopt: 415.
#include <optional>
#include <string_view>

#include "adapters/fhir/http_message.hpp"

namespace medgw::fhir {

enum class FhirFormat { kJson, kXml };

inline constexpr const char* kFhirXml = "application/fhir+xml; charset=utf-8";

std::optional<FhirFormat> response_format(const HttpRequest& req);
std::optional<FhirFormat> body_format(const HttpRequest& req);

// A _format value or one MIME type (parameters ignored): nullopt when it is neither format.
std::optional<FhirFormat> format_of(std::string_view mime_or_name);

}  // namespace medgw::fhir

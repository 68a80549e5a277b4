#pragma once
// Structural validation of a FHIR R4 resource against the base definitions (structure.hpp), as
// strict as Medplum's and HAPI's: an unknown element is an error, not something to ignore, so a
// misspelt element is refused instead of silently dropped from the archive.
//
// Checked: resourceType; known element names (including the _element form that carries a
// primitive's id and extensions); the JSON kind and lexical rule of every primitive; min and max
// cardinality and array-versus-single; one choice ([x]) variant at most; nested datatypes,
// backbone elements, contained and Bundle entry resources; Extension's url and ext-1 (a value or
// nested extensions, not both). Not checked: terminology bindings, profiles, invariants other than
// ext-1, and resources of types medgw does not take (an information issue says so).
//
// Limits against hostile input: nesting beyond kMaxJsonDepth and arrays beyond kMaxArrayItems are
// errors (code too-costly); at most kMaxIssues issues are reported.
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/fhir/issue.hpp"
#include "mappings/fhir/json_document.hpp"

namespace medgw::fhir {

inline constexpr std::size_t kMaxIssues = 100;

// Validates doc.root() as a resource of a supported type (an unsupported resourceType is an
// error, code not-supported).
std::vector<Issue> validate(const JsonDocument& doc);

// Validates `resource` (a value of `doc`) as above; `path` is the FHIRPath prefix for its issues
// ("Bundle.entry[2].resource"), empty for a root resource (its resourceType is used).
std::vector<Issue> validate_resource(const JsonDocument& doc, const rapidjson::Value& resource,
                                     const std::string& path = {});

// Parses and validates a JSON text; a parse failure is the one issue returned.
std::vector<Issue> validate_json(std::string_view text);

}  // namespace medgw::fhir

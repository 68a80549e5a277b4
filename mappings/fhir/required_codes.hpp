#pragma once
// The codes of elements whose value set binding is "required" in R4 and that medgw reads or
// stores (status, gender, intent, ...): a value outside the set would be stored and served back as
// invalid FHIR, so it is refused at the door. Other bindings are extensible or preferred: not
// checked.
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "mappings/fhir/issue.hpp"
#include "mappings/fhir/json_document.hpp"

namespace medgw::fhir {

// Checks the top-level coded elements of a resource of `type` at `path`; appends an error per
// value outside its set. The diagnostics list the allowed codes, never the value sent.
void check_required_codes(const JsonDocument& doc, const rapidjson::Value& resource, std::string_view type,
                          const std::string& path, std::vector<Issue>& out);

}  // namespace medgw::fhir

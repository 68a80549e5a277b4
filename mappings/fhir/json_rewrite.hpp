#pragma once
// Writes a resource as received back out as compact JSON with the changes the store needs: `id`
// and `meta` dropped (the store assigns them), references to other entries of a transaction
// rewritten, and for a Patient without a usable identifier the one the mapping added. Everything
// else - element order, extensions, elements the model does not carry, each number's text - is
// kept as the client sent it (change_set.hpp, Keyed::fhir_json).
#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mappings/fhir/json_document.hpp"
#include "mappings/model/datatypes.hpp"

namespace medgw::fhir {

struct RewriteOptions {
  // Called with every Reference.reference string; returns the replacement, or nullopt to keep it.
  std::function<std::optional<std::string>(std::string_view)> reference;
  // Appended to the resource's top-level identifier array (created when absent).
  std::optional<model::Identifier> add_identifier;
};

std::string rewrite_resource_json(const JsonDocument& doc, const rapidjson::Value& resource,
                                  const RewriteOptions& options);

}  // namespace medgw::fhir

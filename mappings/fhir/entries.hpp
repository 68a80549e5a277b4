#pragma once
// The resources one FHIR write carries, each with its business key and update target: one for a
// create or an update, one per entry for a transaction (change_set.hpp, "Keys"):
//   create                   key = the request key (a transaction entry: "<key>#<entry index>")
//   update (PUT Type/id)     key = "id:<id>", target = {id, If-Match version}; the store keeps the
//                            row's existing key when target.id is set
// Conditional interactions (ifNoneExist, a search URL), DELETE and the rest are not supported yet.
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <vector>

#include "mappings/fhir/interaction.hpp"
#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/map_error.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::fhir {

inline constexpr std::size_t kMaxTransactionEntries = 1000;

struct Entry {
  std::string path;      // FHIRPath of the resource: "Observation", "Bundle.entry[2].resource"
  std::string full_url;  // Bundle.entry.fullUrl, empty outside a transaction
  std::string type;      // resourceType
  const rapidjson::Value* resource = nullptr;
  std::string key;
  model::UpdateTarget target;
};

// The resource types a change set carries.
bool is_mappable_type(std::string_view type);

// The entries of a validated body; problems are added to `problems`.
std::vector<Entry> collect_entries(const Interaction& in, const JsonDocument& doc, Problems& problems);

}  // namespace medgw::fhir

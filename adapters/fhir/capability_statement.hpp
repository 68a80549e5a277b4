#pragma once
// GET /metadata: what this server really does, so a client can rely on it. Kept in one place,
// next to the routes it describes; change both together.
#include <string>

namespace medgw::fhir {

// `writable`: the server accepts creates and updates (a pipeline is running behind it).
std::string capability_statement_json(const std::string& base_url, bool writable);

}  // namespace medgw::fhir

#pragma once
// The tables of the resource types medgw meets only nested in what it takes (contained
// resources, Bundle entries, a Bundle response's outcome, a message's header) and in what it
// writes (the OperationOutcome of every error): known to the XML codec, which needs every type's
// cardinality and element order, but not accepted for ingest. validate.cpp takes a resource only
// when is_supported_resource() says so, so a table here does not make its type accepted, and a
// nested resource of such a type is still reported as not validated.
//
// Same conventions as structure.hpp; cross-checked against the R4 snapshots by the same test.
#include <span>

#include "mappings/fhir/structure.hpp"

namespace medgw::fhir {

std::span<const TypeDef> nested_resource_types();

}  // namespace medgw::fhir

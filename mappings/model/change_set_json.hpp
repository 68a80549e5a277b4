#pragma once
// A change set as pretty-printed JSON (2-space indent): the golden form of the mapping tests and
// what `medgw` prints when asked what a message means. Resources inside are FHIR R4 JSON as
// fhir_json.hpp writes them; the envelope around them is medgw's own and not a FHIR resource.
// Keys appear in a fixed order and empty lists are kept as [], so two runs diff cleanly.
#include <string>

#include "mappings/model/change_set.hpp"

namespace medgw::model {

std::string to_json(const ChangeSet& changes);

}  // namespace medgw::model

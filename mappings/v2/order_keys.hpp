#pragma once
// Order numbers and the business key they give a ServiceRequest or DiagnosticReport
// (change_set.hpp): the filler number (OBR-3, else ORC-3), else "P:" + the placer number (OBR-2,
// else ORC-2). OBR wins over ORC, as in the IG, where ORC-2/3 are used when OBR-2/3 are empty.
#include <optional>
#include <string>
#include <vector>

#include "mappings/hl7v2/message.hpp"
#include "mappings/model/datatypes.hpp"

namespace medgw::v2 {

struct OrderNumbers {
  std::vector<model::Identifier> identifiers;  // PLAC, FILL
  std::string key;                             // empty when neither number is sent
};

OrderNumbers order_numbers(const std::optional<hl7v2::Segment>& orc, const std::optional<hl7v2::Segment>& obr);

}  // namespace medgw::v2

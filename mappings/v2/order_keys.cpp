#include "mappings/v2/order_keys.hpp"

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"

namespace medgw::v2 {
namespace {

hl7v2::EI pick(const std::optional<hl7v2::Segment>& obr, const std::optional<hl7v2::Segment>& orc, std::size_t field) {
  if (obr) {
    hl7v2::EI ei = hl7v2::read_ei(obr->field(field).repetition(1));
    if (!ei.entity_identifier.empty()) return ei;
  }
  if (orc) return hl7v2::read_ei(orc->field(field).repetition(1));
  return {};
}

}  // namespace

OrderNumbers order_numbers(const std::optional<hl7v2::Segment>& orc, const std::optional<hl7v2::Segment>& obr) {
  OrderNumbers out;
  const hl7v2::EI placer = pick(obr, orc, 2);
  const hl7v2::EI filler = pick(obr, orc, 3);
  if (!placer.entity_identifier.empty()) out.identifiers.push_back(identifier(placer, "PLAC"));
  if (!filler.entity_identifier.empty()) out.identifiers.push_back(identifier(filler, "FILL"));
  if (!filler.entity_identifier.empty()) {
    out.key = filler.entity_identifier;
  } else if (!placer.entity_identifier.empty()) {
    out.key = "P:" + placer.entity_identifier;
  }
  return out;
}

}  // namespace medgw::v2

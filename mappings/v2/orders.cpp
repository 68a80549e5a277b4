// ORM^O01 and OML^O21: a ServiceRequest per ORC (IG ORC[ServiceRequest], OBR[ServiceRequest]).
// ORC-5 (order status) gives the status when sent, else ORC-1 (order control), as the IG says.
// An order without any order number cannot be keyed, so it cannot be updated or cancelled later:
// kInvalid rather than an order that would duplicate on every status change.
#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/families.hpp"
#include "mappings/v2/observation.hpp"
#include "mappings/v2/order_keys.hpp"
#include "mappings/v2/patient.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {

FamilyResult map_orders(MapContext& ctx) {
  const hl7v2::Message& msg = ctx.msg();
  model::ChangeSet& out = ctx.out();

  auto patient = map_first_patient(ctx);
  if (!patient) return unexpected(std::move(patient).error());
  out.patient = std::move(patient).value();

  for (std::size_t i = 0; i < msg.segment_count(); ++i) {
    const hl7v2::Segment orc = msg.segment(i);
    if (orc.name() != "ORC") continue;
    const std::string label = segment_label(msg, orc);
    // The OBR of this order: the first OBR before the next ORC.
    std::optional<hl7v2::Segment> obr;
    std::size_t last = i;  // the segment NTEs of the order follow
    for (std::size_t j = i + 1; j < msg.segment_count() && msg.segment(j).name() != "ORC"; ++j) {
      if (msg.segment(j).name() == "OBR") {
        obr = msg.segment(j);
        last = j;
        break;
      }
    }

    OrderNumbers numbers = order_numbers(orc, obr);
    if (numbers.key.empty()) return unexpected(invalid(label + ": no placer or filler order number (ORC-2/3, OBR-2/3)"));
    model::Keyed<model::ServiceRequest> order;
    order.key = std::move(numbers.key);
    model::ServiceRequest& s = order.resource;
    s.identifier = std::move(numbers.identifiers);

    const std::string control = orc.field(1).value();
    const std::string status = orc.field(5).value();
    if (!status.empty()) {
      s.status = vocab::order_status(status);
      if (s.status.empty()) ctx.warn(field_label(label, 5) + ": order status not in table 0038");
    } else {
      s.status = vocab::order_status_from_control(control);
      if (s.status.empty()) ctx.warn(field_label(label, 1) + ": order control code without a status mapping");
    }
    if (s.status.empty()) s.status = "unknown";

    if (control == "NW") s.authored_on = ctx.date_time(orc.field(9), field_label(label, 9));
    if (const std::string requester = person_display(orc.field(12).repetition(1)); !requester.empty()) {
      s.requester = {"", "Practitioner", requester};
    }
    if (obr) {
      const std::string obr_label = segment_label(msg, *obr);
      s.code = codeable_concept(hl7v2::read_cwe(obr->field(4).repetition(1)));
      if (s.requester.empty()) {
        if (const std::string requester = person_display(obr->field(16).repetition(1)); !requester.empty()) {
          s.requester = {"", "Practitioner", requester};
        }
      }
      const std::string section = obr->field(24).value();
      if (vocab::is_service_section(section)) {
        s.category.push_back({{{std::string(vocab::kV2_0074), "", section, ""}}, ""});
      }
      s.note = notes_after(ctx, last);
      if (s.code.empty()) ctx.warn(field_label(obr_label, 4) + ": universal service identifier missing");
    } else if (control == "NW") {
      ctx.warn(label + ": new order without an OBR; no code");
    }
    out.orders.push_back(std::move(order));
  }
  if (out.orders.empty()) return unexpected(invalid("ORC: segment missing"));
  return Done{};
}

}  // namespace medgw::v2

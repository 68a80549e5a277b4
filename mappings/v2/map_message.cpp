#include "mappings/v2/map_message.hpp"

#include "mappings/v2/context.hpp"
#include "mappings/v2/families.hpp"

namespace medgw::v2 {
namespace {

// A message code or event as it may appear in a reason: these are ID values, short and ASCII;
// anything else is cut and masked so a malformed MSH-9 cannot put text into a log.
std::string safe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 8)) out += (c >= 0x21 && c <= 0x7E) ? c : '?';
  return out;
}

}  // namespace

Coverage coverage(std::string_view code, std::string_view event) {
  if (code == "ADT") {
    return (event == "A40" || event == "A34" || adt_event_mapped(event)) ? Coverage::kMapped : Coverage::kUnknownEvent;
  }
  if (code == "MDM") return mdm_event_mapped(event) ? Coverage::kMapped : Coverage::kUnknownEvent;
  if (code == "ORU") return event == "R01" ? Coverage::kMapped : Coverage::kUnknownEvent;
  if (code == "ORM") return event == "O01" ? Coverage::kMapped : Coverage::kUnknownEvent;
  if (code == "OML") return event == "O21" ? Coverage::kMapped : Coverage::kUnknownEvent;
  return Coverage::kUnknownType;
}

Expected<model::ChangeSet, MappingError> map_v2(const hl7v2::Message& msg) {
  model::ChangeSet out;
  const std::string code = safe(msg.message_code());
  const std::string event = safe(msg.trigger_event());
  out.message_type = code + "^" + event;
  out.message_control_id = std::string(msg.control_id());
  out.sender = hl7v2::decode_value(msg.sending_application(), msg.delimiters()) + "^" +
               hl7v2::decode_value(msg.sending_facility(),
                                   msg.delimiters());
  MapContext ctx(msg, out);

  // EVN-2 (recorded) when the message has it, else MSH-7: when the sender says the event happened.
  if (auto evn = msg.find("EVN")) out.event_time = ctx.date_time(evn->field(2), "EVN[1]-2");
  if (out.event_time.empty()) {
    if (auto msh = msg.find("MSH")) out.event_time = ctx.date_time(msh->field(7), "MSH[1]-7");
  }

  // The families name the event they do not map (ADT^A17: no mapping for this event).
  FamilyResult done = Done{};
  if (code == "ADT") {
    done = (event == "A40" || event == "A34") ? map_merge(ctx, event) : map_adt(ctx, event);
  } else if (code == "MDM") {
    done = map_mdm(ctx, event);
  } else if (coverage(code, event) != Coverage::kMapped) {
    return unexpected(unsupported("MSH-9: no mapping for message type " + out.message_type));
  } else if (code == "ORU") {
    done = map_oru(ctx);
  } else {
    done = map_orders(ctx);
  }
  if (!done) return unexpected(std::move(done).error());
  return out;
}

}  // namespace medgw::v2

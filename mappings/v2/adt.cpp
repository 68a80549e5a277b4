// ADT (admit, discharge, transfer): the patient, and the visit the event is about.
#include <array>
#include <utility>

#include "mappings/v2/encounter.hpp"
#include "mappings/v2/families.hpp"
#include "mappings/v2/patient.hpp"

namespace medgw::v2 {
namespace {

// Encounter.status per trigger event (IG code system map Event[EncounterStatus], table 0003).
// "" means: from PV1-45 (finished when discharged, else in-progress), for updates (A08) that
// restate the visit as it is. A28/A31 are person events: their PV1, when present, is a placeholder
// and no encounter is made from it.
struct EventRule {
  std::string_view event;
  std::string_view status;
  bool encounter;
};
constexpr std::array<EventRule, 10> kEvents{{
    {"A01", "in-progress", true},  // admit
    {"A02", "in-progress", true},  // transfer
    {"A03", "finished", true},     // discharge
    {"A04", "arrived", true},      // register an outpatient
    {"A05", "planned", true},      // pre-admit
    {"A08", "", true},             // update
    {"A11", "cancelled", true},    // cancel admit
    {"A13", "in-progress", true},  // cancel discharge: the stay goes on
    {"A28", "", false},            // add person
    {"A31", "", false},            // update person
}};

const EventRule* find_rule(std::string_view event) {
  for (const EventRule& r : kEvents) {
    if (r.event == event) return &r;
  }
  return nullptr;
}

}  // namespace

bool adt_event_mapped(std::string_view event) { return find_rule(event) != nullptr; }

FamilyResult map_adt(MapContext& ctx, std::string_view event) {
  const EventRule* rule = find_rule(event);
  if (rule == nullptr) return unexpected(unsupported("ADT^" + std::string(event) + ": no mapping for this event"));

  auto patient = map_first_patient(ctx);
  if (!patient) return unexpected(std::move(patient).error());
  ctx.out().patient = std::move(patient).value();

  if (rule->encounter) {
    auto pv1 = ctx.msg().find("PV1");
    // PV1 is required here, but the patient part still means what it says without it: map the
    // patient, say that the visit is missing.
    if (pv1) {
      ctx.out().encounters.push_back(map_encounter(ctx, *pv1, std::string(rule->status)));
    } else {
      ctx.warn("PV1: segment missing (required in ADT^" + std::string(event) + "); no encounter");
    }
  }
  return Done{};
}

}  // namespace medgw::v2

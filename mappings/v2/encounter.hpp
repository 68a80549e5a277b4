#pragma once
// PV1 -> Encounter (IG PV1[Encounter]). The status comes from the event (ADT) or PV1-45, so the
// caller passes what it knows.
#include <string>

#include "mappings/hl7v2/message.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/v2/context.hpp"

namespace medgw::v2 {

// The Encounter of `pv1`, keyed by PV1-19.1, else by the message control id (change_set.hpp).
// `status` empty: finished when PV1-45 (discharge) is valued, else in-progress.
model::Keyed<model::Encounter> map_encounter(MapContext& ctx, const hl7v2::Segment& pv1, std::string status);

}  // namespace medgw::v2

#pragma once
// One mapper per message family, called by map_v2 once the header fields of the change set
// (type, control id, sender, event time) are filled. Each returns an error or fills `ctx.out()`.
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/v2/context.hpp"

namespace medgw::v2 {

struct Done {};
using FamilyResult = Expected<Done, MappingError>;

FamilyResult map_adt(MapContext& ctx, std::string_view event);     // adt.cpp
FamilyResult map_merge(MapContext& ctx, std::string_view event);   // merge.cpp
FamilyResult map_oru(MapContext& ctx);                             // oru.cpp
FamilyResult map_mdm(MapContext& ctx, std::string_view event);     // mdm.cpp
FamilyResult map_orders(MapContext& ctx);                          // orders.cpp

// The events map_adt and map_mdm take: map_message.cpp's coverage() asks them, so the MLLP
// session refuses exactly what these mappers would refuse.
bool adt_event_mapped(std::string_view event);  // adt.cpp
bool mdm_event_mapped(std::string_view event);  // mdm.cpp

}  // namespace medgw::v2

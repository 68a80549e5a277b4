#pragma once
// PID -> Patient (IG PID[Patient]), shared by every message family.
#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/v2/context.hpp"

namespace medgw::v2 {

// The patient of PID segment `pid` as a source record of this message's sender. kInvalid when
// PID-3 holds no identifier: such a patient could only be guessed at, never resolved.
Expected<model::PatientRecord, MappingError> map_patient(MapContext& ctx, const hl7v2::Segment& pid);

// The first PID of the message, mapped; kInvalid when the message has none.
Expected<model::PatientRecord, MappingError> map_first_patient(MapContext& ctx);

// CX repetitions of a field (PID-3, MRG-1) as Identifiers, empty repetitions skipped.
std::vector<model::Identifier> identifiers(MapContext& ctx, const hl7v2::Field& field, std::string_view where);

}  // namespace medgw::v2

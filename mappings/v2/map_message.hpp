#pragma once
// HL7 v2 -> canonical model: one message becomes one ChangeSet (mappings/model/change_set.hpp),
// following the HL7 v2-to-FHIR IG (../shared/reference/v2-to-fhir/). Dispatches on MSH-9:
//   ADT^A01 A02 A03 A04 A05 A08 A11 A13 A28 A31  Patient (+ Encounter, status per event)  adt.cpp
//   ADT^A40 A34                                  MergeRequest per PID/MRG group            adt.cpp
//   ORU^R01                                      DiagnosticReport per OBR, Observations     oru.cpp
//   MDM^T02 T04 T08 T10                          DocumentReference                         mdm.cpp
//   ORM^O01, OML^O21                             ServiceRequest per ORC                    orders.cpp
// Anything else is MappingError::kUnsupported naming the type. `coverage` answers the same
// question from MSH-9 alone, for the MLLP session to refuse such a message at once (AR, ERR-3 200
// or 201) instead of acknowledging what will only be parked.
//
// The mapping is site-neutral: identifiers are typed from the message alone (CX.4/CX.5) and a
// site profile (mappings/sites) refines them afterwards. Patient references are left empty for
// the store to fill with the resolved golden patient.
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/v2/mapping_error.hpp"

namespace medgw::v2 {

enum class Coverage {
  kMapped,         // map_v2 has a mapping for this MSH-9.1 and MSH-9.2
  kUnknownType,    // no mapping for the message code (HL7 table 0357: 200)
  kUnknownEvent,   // the code is mapped, this trigger event is not (table 0357: 201)
};
Coverage coverage(std::string_view message_code, std::string_view trigger_event);

Expected<model::ChangeSet, MappingError> map_v2(const hl7v2::Message& msg);

}  // namespace medgw::v2

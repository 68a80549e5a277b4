#pragma once
// OBX -> Observation (IG OBX[Observation]): the value by OBX-2, units, reference range, abnormal
// flags, status. Used by ORU results; an ED value (a signed PDF) is not an Observation but the
// report's presented form, so it comes back as an Attachment instead.
#include <optional>
#include <string>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/model/resources.hpp"
#include "mappings/v2/context.hpp"

namespace medgw::v2 {

// What the OBR around an OBX lends it when the OBX is silent.
struct ObservationDefaults {
  std::string effective;  // OBR-7
  std::string issued;     // OBR-22
  std::string status;     // OBR-25, mapped
  std::string category;   // observation-category code ("laboratory", "imaging") or empty
};

struct ObxResult {
  std::optional<model::Observation> observation;
  std::optional<model::Attachment> attachment;  // OBX-2 ED
  bool text = false;  // ST/TX/FT: lines of one text, which a following OBX of the same key continues
};

Expected<ObxResult, MappingError> map_obx(MapContext& ctx, const hl7v2::Segment& obx, const ObservationDefaults& d);

// OBX-7 as a reference range: "3.5-5.1", "3.5~5.1", "<5", "<=5", ">10", ">=10" give low/high in
// `unit`; anything else is kept as text only. The text is always the range as sent.
model::ObservationReferenceRange reference_range(const std::string& text, const model::Quantity& unit);

// ED (OBX-5 of type ED) as an Attachment; the error says what is wrong with it (never the data).
Expected<model::Attachment, std::string> attachment(const hl7v2::Repetition& ed);

// NTE-3 of the NTE segments right after segment index `after`, as Annotations.
std::vector<model::Annotation> notes_after(MapContext& ctx, std::size_t after);

}  // namespace medgw::v2

#include "mappings/v2/encounter.hpp"

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {
namespace {

// PL as a display: point of care, room, bed, facility, as sent and joined with '^' so a reader who
// knows the sender's PV1-3 recognises it. Location resources are not part of the model.
std::string location_display(const hl7v2::Repetition& pl) {
  std::string parts[4] = {pl.component(1).value(), pl.component(2).value(), pl.component(3).value(),
                          pl.component(4).subvalue(1)};
  std::size_t last = 4;
  while (last > 0 && parts[last - 1].empty()) --last;
  std::string out;
  for (std::size_t i = 0; i < last; ++i) {
    if (i > 0) out += '^';
    out += parts[i];
  }
  return out;
}

model::CodeableConcept table_concept(const hl7v2::Repetition& rep, const char* table) {
  hl7v2::CWE cwe = hl7v2::read_cwe(rep);
  if (cwe.coding_system.empty() && !cwe.identifier.empty()) cwe.coding_system = table;
  return codeable_concept(cwe);
}

}  // namespace

model::Keyed<model::Encounter> map_encounter(MapContext& ctx, const hl7v2::Segment& pv1, std::string status) {
  const std::string seg = segment_label(ctx.msg(), pv1);
  model::Keyed<model::Encounter> out;
  model::Encounter& e = out.resource;

  const hl7v2::Repetition visit = pv1.field(19).repetition(1);
  if (const hl7v2::CX cx = hl7v2::read_cx(visit); !cx.id.empty()) {
    model::Identifier id = identifier(cx);
    id.type.coding.assign(1, {std::string(vocab::kV2_0203), "", "VN", ""});
    id.type.text = "visit number";
    e.identifier.push_back(std::move(id));
    out.key = cx.id;
  } else {
    out.key = std::string(ctx.msg().control_id());
  }

  const std::string patient_class = pv1.field(2).component(1).value();
  e.class_ = vocab::encounter_class(patient_class);
  if (e.class_.empty() && !patient_class.empty()) {
    // FHIR's binding is extensible: a code of the v2 table is better than none.
    e.class_ = {"http://terminology.hl7.org/CodeSystem/v2-0004", "", patient_class, ""};
  }
  if (patient_class.empty()) ctx.warn(field_label(seg, 2) + ": patient class missing");

  e.period.start = ctx.date_time(pv1.field(44), field_label(seg, 44));
  e.period.end = ctx.date_time(pv1.field(45), field_label(seg, 45));
  if (status.empty()) status = e.period.end.empty() ? "in-progress" : "finished";
  e.status = std::move(status);

  if (const hl7v2::Field loc = pv1.field(3); !loc.empty() && !loc.is_null()) {
    model::Reference r;
    r.display = location_display(loc.repetition(1));
    r.type = "Location";
    if (!r.display.empty()) e.location.push_back(std::move(r));
  }
  if (const hl7v2::Field f = pv1.field(14); !f.empty() && !f.is_null()) e.admit_source = table_concept(f.repetition(1), "HL70023");
  if (const hl7v2::Field f = pv1.field(36); !f.empty() && !f.is_null()) {
    e.discharge_disposition = table_concept(f.repetition(1), "HL70112");
  }
  if (const hl7v2::Field f = pv1.field(10); !f.empty() && !f.is_null()) {
    // PV1-10 hospital service: the IG maps it to serviceType; the model keeps it as a type.
    e.type.push_back(table_concept(f.repetition(1), "HL70069"));
  }
  return out;
}

}  // namespace medgw::v2

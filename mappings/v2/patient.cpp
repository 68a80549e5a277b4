#include "mappings/v2/patient.hpp"

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {

std::vector<model::Identifier> identifiers(MapContext& ctx, const hl7v2::Field& field, std::string_view where) {
  std::vector<model::Identifier> out;
  for (std::size_t i = 1; i <= field.repetition_count(); ++i) {
    const hl7v2::Repetition rep = field.repetition(i);
    if (rep.empty() || rep.is_null()) continue;
    const hl7v2::CX cx = hl7v2::read_cx(rep);
    if (cx.id.empty()) continue;  // an authority without a number identifies nothing
    model::Identifier id = identifier(cx);
    const std::string label = std::string(where) + "[" + std::to_string(i) + "]";
    id.period.start = ctx.date(rep.component(7).raw(), label + ".7");
    id.period.end = ctx.date(rep.component(8).raw(), label + ".8");
    out.push_back(std::move(id));
  }
  return out;
}

Expected<model::PatientRecord, MappingError> map_patient(MapContext& ctx, const hl7v2::Segment& pid) {
  const std::string seg = segment_label(ctx.msg(), pid);
  model::PatientRecord record;
  record.sender = ctx.out().sender;
  model::Patient& p = record.patient;

  p.identifier = identifiers(ctx, pid.field(3), field_label(seg, 3));
  if (p.identifier.empty()) return unexpected(invalid(field_label(seg, 3) + ": no patient identifier"));

  // PID-19 (SSN): outside the US the IG types it SB (social beneficiary); its system is left to
  // the site profile, which knows the jurisdiction.
  if (const std::string ssn = pid.field(19).value(); !ssn.empty() && !pid.field(19).is_null()) {
    model::Identifier id;
    id.type.coding.push_back({std::string(vocab::kV2_0203), "", "SB", ""});
    id.value = ssn;
    p.identifier.push_back(std::move(id));
  }

  const hl7v2::Field names = pid.field(5);
  for (std::size_t i = 1; i <= names.repetition_count(); ++i) {
    const hl7v2::Repetition rep = names.repetition(i);
    if (rep.empty() || rep.is_null()) continue;
    model::HumanName n = human_name(hl7v2::read_xpn(rep));
    if (n.family.empty() && n.given.empty() && n.prefix.empty() && n.suffix.empty()) continue;
    p.name.push_back(std::move(n));
  }

  p.birth_date = ctx.date(pid.field(7), field_label(seg, 7));

  if (const std::string sex = pid.field(8).component(1).value(); !sex.empty() && !pid.field(8).is_null()) {
    p.gender = vocab::gender(sex);
    if (p.gender.empty()) ctx.warn(field_label(seg, 8) + ": administrative sex not in table 0001; left out");
  }

  const hl7v2::Field addresses = pid.field(11);
  for (std::size_t i = 1; i <= addresses.repetition_count(); ++i) {
    const hl7v2::Repetition rep = addresses.repetition(i);
    if (rep.empty() || rep.is_null()) continue;
    p.address.push_back(address(hl7v2::read_xad(rep)));
  }

  for (const auto& [field, use] : {std::pair<std::size_t, const char*>{13, "home"}, {14, "work"}}) {
    const hl7v2::Field phones = pid.field(field);
    for (std::size_t i = 1; i <= phones.repetition_count(); ++i) {
      const hl7v2::Repetition rep = phones.repetition(i);
      if (rep.empty() || rep.is_null()) continue;
      model::ContactPoint c = contact_point(hl7v2::read_xtn(rep), use);
      if (!c.value.empty()) p.telecom.push_back(std::move(c));
    }
  }

  if (const hl7v2::Field marital = pid.field(16); !marital.empty() && !marital.is_null()) {
    hl7v2::CWE cwe = hl7v2::read_cwe(marital.repetition(1));
    // Table 0002 codes are the FHIR marital-status codes' v2 source; the IG's map keeps the code.
    if (cwe.coding_system.empty() && !cwe.identifier.empty()) cwe.coding_system = "HL70002";
    p.marital_status = codeable_concept(cwe);
  }

  // PID-29 death date/time wins; PID-30 only says whether (IG: PID-30 used when PID-29 is empty).
  p.deceased_date_time = ctx.date_time(pid.field(29), field_label(seg, 29));
  if (p.deceased_date_time.empty()) {
    const std::string flag = pid.field(30).value();
    if (flag == "Y") p.deceased_boolean = true;
    if (flag == "N") p.deceased_boolean = false;
  }
  return record;
}

Expected<model::PatientRecord, MappingError> map_first_patient(MapContext& ctx) {
  auto pid = ctx.msg().find("PID");
  if (!pid) return unexpected(invalid("PID: segment missing"));
  return map_patient(ctx, *pid);
}

}  // namespace medgw::v2

// ADT^A40 (merge patient identifier lists) and ADT^A34 (merge patient id only): each PID/MRG
// group says the patient known by MRG-1 is the one PID describes. No IG map exists for this
// (FACTS.md C); like LinuxForHealth's converter the prior identifiers are kept for the store to
// link (Patient.link replaced-by), never dropped.
#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/families.hpp"
#include "mappings/v2/patient.hpp"

namespace medgw::v2 {

FamilyResult map_merge(MapContext& ctx, std::string_view event) {
  const hl7v2::Message& msg = ctx.msg();
  model::ChangeSet& out = ctx.out();
  std::optional<model::PatientRecord> pending;  // a PID still waiting for its MRG
  std::string pending_label;

  for (std::size_t i = 0; i < msg.segment_count(); ++i) {
    const hl7v2::Segment seg = msg.segment(i);
    if (seg.name() == "PID") {
      if (pending) return unexpected(invalid(pending_label + ": no MRG follows this PID"));
      auto record = map_patient(ctx, seg);
      if (!record) return unexpected(std::move(record).error());
      pending = std::move(record).value();
      pending_label = segment_label(msg, seg);
    } else if (seg.name() == "MRG") {
      const std::string label = segment_label(msg, seg);
      if (!pending) return unexpected(invalid(label + ": MRG without a PID before it"));
      model::MergeRequest merge;
      merge.prior = identifiers(ctx, seg.field(1), field_label(label, 1));
      if (merge.prior.empty()) return unexpected(invalid(field_label(label, 1) + ": no prior patient identifier"));
      merge.surviving = std::move(*pending);
      pending.reset();
      out.merges.push_back(std::move(merge));
    }
  }
  if (pending) return unexpected(invalid(pending_label + ": no MRG follows this PID"));
  if (out.merges.empty()) return unexpected(invalid("PID: segment missing (required in ADT^" + std::string(event) + ")"));
  // The message is about the surviving patient: its demographics are current.
  out.patient = out.merges.front().surviving;
  return Done{};
}

}  // namespace medgw::v2

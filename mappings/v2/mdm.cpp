// MDM^T02/T04/T08/T10 (original, status change, edit, replacement; each with content): one
// DocumentReference from TXA (IG TXA[DocumentReference]) with the OBX as its content (IG
// OBX[DocumentReference]).
//
// Decisions beyond the IG:
// - Text content (TX/FT/ST, one OBX or one repetition per line) becomes one text/plain attachment
//   in UTF-8, lines joined by "\n", escapes decoded. The IG's "text/hl7v2" and
//   "application/text" describe undecoded v2 text, which is not what medgw stores.
// - T10 (replacement) carries the new document's number in TXA-12 and the replaced one's in
//   TXA-13. The replacement takes the replaced document's key, so the archive holds one current
//   document and not two; TXA-12 stays its masterIdentifier and TXA-13 is kept as an identifier.
#include <algorithm>
#include <array>

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/families.hpp"
#include "mappings/v2/observation.hpp"
#include "mappings/v2/patient.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {

bool mdm_event_mapped(std::string_view event) {
  static constexpr std::array<std::string_view, 4> kEvents{"T02", "T04", "T08", "T10"};
  return std::find(kEvents.begin(), kEvents.end(), event) != kEvents.end();
}

FamilyResult map_mdm(MapContext& ctx, std::string_view event) {
  if (!mdm_event_mapped(event)) {
    return unexpected(unsupported("MDM^" + std::string(event) + ": no mapping for this event (only T02, T04, T08, T10 carry content)"));
  }
  const hl7v2::Message& msg = ctx.msg();
  model::ChangeSet& out = ctx.out();

  auto patient = map_first_patient(ctx);
  if (!patient) return unexpected(std::move(patient).error());
  out.patient = std::move(patient).value();

  auto txa = msg.find("TXA");
  if (!txa) return unexpected(invalid("TXA: segment missing"));
  const std::string label = segment_label(msg, *txa);

  model::Keyed<model::DocumentReference> doc;
  model::DocumentReference& d = doc.resource;
  const hl7v2::EI number = hl7v2::read_ei(txa->field(12).repetition(1));
  if (number.entity_identifier.empty()) return unexpected(invalid(field_label(label, 12) + ": unique document number missing"));
  d.master_identifier = identifier(number);
  doc.key = number.entity_identifier;
  if (event == "T10") {
    const hl7v2::EI parent = hl7v2::read_ei(txa->field(13).repetition(1));
    if (parent.entity_identifier.empty()) {
      ctx.warn(field_label(label, 13) + ": replacement without the replaced document's number; keyed by TXA-12");
    } else {
      d.identifier.push_back(identifier(parent));
      doc.key = parent.entity_identifier;
    }
  }

  hl7v2::CWE type = hl7v2::read_cwe(txa->field(2).repetition(1));
  if (type.coding_system.empty() && !type.identifier.empty()) type.coding_system = "HL70270";
  d.type = codeable_concept(type);

  const std::string availability = txa->field(19).value();
  d.status = vocab::document_status(availability);
  if (d.status.empty()) {
    d.status = "current";
    ctx.warn(field_label(label, 19) + ": availability status not in table 0273; current assumed");
  }
  const std::string completion = txa->field(17).value();
  d.doc_status = vocab::doc_status(completion);
  if (d.doc_status.empty() && !completion.empty()) {
    ctx.warn(field_label(label, 17) + ": completion status not in table 0271; left out");
  }
  d.date = ctx.date_time(txa->field(6), field_label(label, 6));
  if (d.date.empty()) d.date = ctx.date_time(txa->field(4), field_label(label, 4));
  const hl7v2::Field authors = txa->field(9);
  for (std::size_t i = 1; i <= authors.repetition_count(); ++i) {
    if (std::string name = person_display(authors.repetition(i)); !name.empty()) {
      d.author.push_back({"", "Practitioner", std::move(name)});
    }
  }
  d.description = txa->field(25).value();

  std::string text;
  bool has_text = false;
  for (std::size_t i = txa->index() + 1; i < msg.segment_count(); ++i) {
    const hl7v2::Segment obx = msg.segment(i);
    if (obx.name() != "OBX") continue;
    const std::string obx_label = segment_label(msg, obx);
    const std::string type2 = obx.field(2).value();
    const hl7v2::Field value = obx.field(5);
    if (value.empty() || value.is_null()) continue;
    if (type2 == "ED") {
      for (std::size_t r = 1; r <= value.repetition_count(); ++r) {
        auto a = attachment(value.repetition(r));
        if (!a) {
          ctx.warn(field_label(obx_label, 5) + ": " + a.error() + "; left out");
          continue;
        }
        d.content.push_back({std::move(a).value(), {}});
      }
    } else if (type2 == "TX" || type2 == "FT" || type2 == "ST" || type2.empty()) {
      for (std::size_t r = 1; r <= value.repetition_count(); ++r) {
        if (has_text) text += '\n';
        text += value.repetition(r).value();
        has_text = true;
      }
    } else if (type2 == "RP") {
      model::Attachment a;
      a.url = value.repetition(1).component(1).value();
      if (!a.url.empty()) d.content.push_back({std::move(a), {}});
    } else {
      ctx.warn(field_label(obx_label, 2) + ": value type '" + (type2.size() <= 8 ? type2 : type2.substr(0, 8)) +
               "' is not document content; not mapped");
    }
  }
  if (has_text) {
    model::Attachment a;
    a.content_type = "text/plain; charset=utf-8";
    a.size = text.size();
    a.data = base64_encode(text);
    d.content.insert(d.content.begin(), {std::move(a), {}});
  }
  if (d.content.empty() && event != "T04") {
    ctx.warn(label + ": document without content");
  }
  out.documents.push_back(std::move(doc));
  return Done{};
}

}  // namespace medgw::v2

// ORU^R01 (lab, imaging and check-up results): a DiagnosticReport per OBR and an Observation per
// OBX, following IG OBR[DiagnosticReport] and OBX[Observation].
//
// Decisions beyond the IG, each because real feeds do it:
// - Consecutive text OBX (ST/TX/FT) with the same code and sub-id are the lines of one text (an
//   imaging report sent one line per OBX): they become one Observation, lines joined by "\n".
//   Any other repeated key gets "#2", "#3"... (stable while the sender keeps its order) and a warning.
// - An ED OBX (a signed PDF) is the report's presentedForm, not an Observation.
// - NTE after OBR has no target in the IG (DiagnosticReport has no note in R4): not mapped.
// - OBX under SPM describe the specimen (IG: Specimen, not modelled): not mapped, with a warning.
// - One patient per message: a second, different PID is kUnsupported rather than silently filing
//   its results under the first patient.
#include <map>

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/families.hpp"
#include "mappings/v2/observation.hpp"
#include "mappings/v2/order_keys.hpp"
#include "mappings/v2/patient.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {
namespace {

struct OpenReport {
  std::size_t index = 0;  // into out.reports
  ObservationDefaults defaults;
  bool status_from_obr = false;
};

void finish_report(MapContext& ctx, const OpenReport& open, const std::string& label) {
  model::ChangeSet& out = ctx.out();
  model::DiagnosticReport& r = out.reports[open.index].resource;
  if (open.status_from_obr) return;
  // OBR-25 empty: the report is as final as its results, when they agree.
  std::string common;
  bool uniform = true;
  for (const model::Reference& ref : r.result) {
    for (const auto& o : out.observations) {
      if ("Observation/" + o.key != ref.reference) continue;
      if (common.empty()) common = o.resource.status;
      uniform = uniform && common == o.resource.status;
    }
  }
  if (uniform && !common.empty() && common != "unknown") {
    r.status = common;
  } else {
    r.status = "unknown";
    ctx.warn(field_label(label, 25) + ": result status missing");
  }
}

}  // namespace

FamilyResult map_oru(MapContext& ctx) {
  const hl7v2::Message& msg = ctx.msg();
  model::ChangeSet& out = ctx.out();

  auto first_pid = msg.find("PID");
  if (!first_pid) return unexpected(invalid("PID: segment missing"));
  auto patient = map_patient(ctx, *first_pid);
  if (!patient) return unexpected(std::move(patient).error());
  out.patient = std::move(patient).value();

  std::optional<hl7v2::Segment> orc;  // the ORC of the order group being read
  std::optional<OpenReport> open;
  std::string open_label;
  std::map<std::string, std::size_t> key_counts;  // report keys and observation keys seen
  // Index in out.observations of the last text OBX; kNoText when there is none. (A sentinel, not
  // std::optional: GCC 12 -O2 reports a false maybe-uninitialized on the optional here.)
  constexpr std::size_t kNoText = static_cast<std::size_t>(-1);
  std::size_t last_text = kNoText;
  bool in_specimen = false;

  for (std::size_t i = 0; i < msg.segment_count(); ++i) {
    const hl7v2::Segment seg = msg.segment(i);
    const std::string_view name = seg.name();
    if (name != "OBX" && name != "NTE") last_text = kNoText;

    if (name == "PID" && seg.index() != first_pid->index()) {
      const auto a = identifiers(ctx, first_pid->field(3), "PID");
      const auto b = identifiers(ctx, seg.field(3), "PID");
      const bool same = !a.empty() && !b.empty() && a.front().value == b.front().value && a.front().system == b.front().system;
      if (!same) {
        return unexpected(unsupported(segment_label(msg, seg) + ": a second patient in one ORU^R01; one patient per message is supported"));
      }
    } else if (name == "ORC") {
      orc = seg;
    } else if (name == "OBR") {
      if (open) finish_report(ctx, *open, open_label);
      in_specimen = false;
      open_label = segment_label(msg, seg);
      OrderNumbers numbers = order_numbers(orc, seg);
      orc.reset();  // an ORC belongs to the one OBR that follows it
      model::Keyed<model::DiagnosticReport> report;
      model::DiagnosticReport& r = report.resource;
      r.identifier = std::move(numbers.identifiers);
      report.key = std::move(numbers.key);
      if (report.key.empty()) {
        // No order number at all: code and observation time identify the report across re-sends.
        report.key = "T:" + seg.field(4).component(1).value() + "|" + std::string(seg.field(7).component(1).raw());
        ctx.warn(open_label + ": no placer or filler order number; keyed by OBR-4 and OBR-7");
      }
      if (const std::size_t n = ++key_counts["R|" + report.key]; n > 1) {
        report.key += "#" + std::to_string(n);
        ctx.warn(open_label + ": order number repeated in this message; key suffixed");
      }
      r.code = codeable_concept(hl7v2::read_cwe(seg.field(4).repetition(1)));
      if (r.code.empty()) ctx.warn(field_label(open_label, 4) + ": universal service identifier missing");

      OpenReport state;
      const std::string section = seg.field(24).value();
      if (!section.empty()) {
        if (vocab::is_service_section(section)) {
          r.category.push_back({{{std::string(vocab::kV2_0074), "", section, ""}}, ""});
        } else {
          r.category.push_back({{}, section});
          ctx.warn(field_label(open_label, 24) + ": diagnostic service section not in table 0074; kept as text");
        }
        state.defaults.category = vocab::observation_category(section);
      }
      const std::string status = seg.field(25).value();
      r.status = vocab::report_status(status);
      if (!status.empty() && r.status.empty()) ctx.warn(field_label(open_label, 25) + ": result status not in table 0123");
      state.status_from_obr = !r.status.empty();
      state.defaults.status = r.status;

      r.effective_date_time = ctx.date_time(seg.field(7), field_label(open_label, 7));
      r.issued = ctx.date_time(seg.field(22), field_label(open_label, 22));
      state.defaults.effective = r.effective_date_time;
      state.defaults.issued = r.issued;
      if (const std::string interpreter = person_display(seg.field(32).repetition(1)); !interpreter.empty()) {
        r.performer.push_back({"", "Practitioner", interpreter});
      }
      state.index = out.reports.size();
      out.reports.push_back(std::move(report));
      open = state;
    } else if (name == "SPM") {
      in_specimen = true;
      ctx.warn(segment_label(msg, seg) + ": specimen not mapped");
    } else if (name == "OBX") {
      const std::string label = segment_label(msg, seg);
      if (!open) {
        ctx.warn(label + ": not inside an order (no OBR before it); not mapped");
        continue;
      }
      if (in_specimen) continue;
      auto mapped = map_obx(ctx, seg, open->defaults);
      if (!mapped) return unexpected(std::move(mapped).error());
      ObxResult obx = std::move(mapped).value();
      model::DiagnosticReport& report = out.reports[open->index].resource;
      if (obx.attachment) {
        report.presented_form.push_back(std::move(*obx.attachment));
        continue;
      }
      if (!obx.observation) continue;
      model::Observation& o = *obx.observation;
      std::string key = out.reports[open->index].key + "|" + seg.field(3).component(1).value() + "|" +
                        seg.field(4).value();
      if (obx.text && last_text != kNoText && out.observations[last_text].key == key) {
        // The next line of the same text.
        model::Observation& prev = out.observations[last_text].resource;
        auto* text = std::get_if<std::string>(&prev.value);
        const auto* more = std::get_if<std::string>(&o.value);
        if (text != nullptr && more != nullptr) {
          *text += "\n" + *more;
          prev.note.insert(prev.note.end(), o.note.begin(), o.note.end());
          continue;
        }
      }
      if (const std::size_t n = ++key_counts["O|" + key]; n > 1) {
        key += "#" + std::to_string(n);
        ctx.warn(label + ": observation key repeated in this order; key suffixed");
      }
      report.result.push_back({"Observation/" + key, "", ""});
      out.observations.push_back({key, std::move(o), {}, {}});
      last_text = obx.text ? out.observations.size() - 1 : kNoText;
    }
  }
  if (open) finish_report(ctx, *open, open_label);
  if (out.reports.empty()) return unexpected(invalid("OBR: segment missing (an ORU^R01 needs at least one)"));
  return Done{};
}

}  // namespace medgw::v2

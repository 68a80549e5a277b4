#include "mappings/v2/observation.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/hl7v2/numeric.hpp"
#include "mappings/v2/datatypes.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {
namespace {

constexpr std::string_view kObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// v2 value types that are real HL7 types but have no structured target in the model: their text
// is kept as valueString with a warning, so nothing is lost.
bool is_known_type(std::string_view t) {
  static constexpr std::array<std::string_view, 24> kTypes{"AD", "CK", "CN", "CP", "CQ", "DR", "MA", "MO",
                                                           "NA", "PN", "RP", "SI", "TN", "TM", "VR", "XAD",
                                                           "XCN", "XON", "XPN", "XTN", "ID", "CX", "EI", "HD"};
  return std::find(kTypes.begin(), kTypes.end(), t) != kTypes.end();
}

// A value type as it may appear in a reason: short, printable ASCII, so a garbled field cannot
// carry text (or patient data) into a log.
std::string safe_code(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 8)) {
    out += (c >= 0x21 && c <= 0x7E && c != '\'') ? c : '?';
  }
  if (s.size() > 8) out += "...";
  return out;
}

// All repetitions of a text field, decoded, one line each.
std::string text_lines(const hl7v2::Field& f) {
  std::string out;
  for (std::size_t i = 1; i <= f.repetition_count(); ++i) {
    if (i > 1) out += '\n';
    out += f.repetition(i).value();
  }
  return out;
}

model::Quantity with_value(const model::Quantity& unit, const std::string& value, std::string comparator = {}) {
  model::Quantity q = unit;
  q.value.text = value;
  q.comparator = std::move(comparator);
  return q;
}

// "<", "<=", ">", ">=" at the start of `s`; consumed from `s`.
std::string take_comparator(std::string_view& s) {
  for (std::string_view c : {"<=", ">=", "<", ">"}) {
    if (s.substr(0, c.size()) == c) {
      s.remove_prefix(c.size());
      return std::string(c);
    }
  }
  return {};
}

std::string join_nonempty(std::initializer_list<std::string> parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

}  // namespace

model::ObservationReferenceRange reference_range(const std::string& text, const model::Quantity& unit) {
  model::ObservationReferenceRange rr;
  rr.text = text;
  std::string_view s = text;
  const std::string t = trim(s);
  s = t;
  const std::string comparator = take_comparator(s);
  if (!comparator.empty()) {
    auto d = hl7v2::parse_decimal(trim(s));
    if (d) {
      // The FHIR range is inclusive; "<5" is kept exactly in text and approximately as high = 5.
      if (comparator[0] == '<') rr.high = with_value(unit, d->text);
      if (comparator[0] == '>') rr.low = with_value(unit, d->text);
    }
    return rr;
  }
  // low SEP high, where the low may itself be negative: the separator is a '-' or '~' after the
  // first character. "3.5--5.1" is read as 3.5 to 5.1 (a doubled separator) and "-2--1" as -2 to -1:
  // of the readings, the first whose low is not above its high.
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '-' && s[i] != '~') continue;
    auto low = hl7v2::parse_decimal(trim(s.substr(0, i)));
    if (!low) continue;
    for (std::size_t skip : {std::size_t{1}, std::size_t{2}}) {
      if (skip == 2 && (i + 1 >= s.size() || s[i + 1] != s[i])) break;
      auto high = hl7v2::parse_decimal(trim(s.substr(i + skip)));
      if (high && low->value <= high->value) {
        rr.low = with_value(unit, low->text);
        rr.high = with_value(unit, high->text);
        return rr;
      }
    }
  }
  return rr;
}

Expected<model::Attachment, std::string> attachment(const hl7v2::Repetition& rep) {
  const hl7v2::ED ed = hl7v2::read_ed(rep);
  auto bytes = ed.decode();
  if (!bytes) return unexpected(std::string("ED data could not be decoded (encoding '") + safe_code(ed.encoding) + "')");
  model::Attachment a;
  std::string subtype = ed.data_subtype;
  std::transform(subtype.begin(), subtype.end(), subtype.begin(), [](unsigned char c) { return std::tolower(c); });
  if (subtype.find('/') != std::string::npos) {
    a.content_type = subtype;  // a MIME type already ("application/pdf")
  } else if (subtype == "pdf") {
    a.content_type = "application/pdf";
  } else if (subtype == "jpeg" || subtype == "jpg") {
    a.content_type = "image/jpeg";
  } else if (subtype == "png" || subtype == "gif" || subtype == "tiff") {
    a.content_type = "image/" + subtype;
  } else if (subtype == "rtf") {
    a.content_type = "application/rtf";
  } else if (subtype == "html") {
    a.content_type = "text/html";
  } else if (ed.type_of_data == "TEXT" || subtype == "plain") {
    a.content_type = "text/plain";
  } else {
    a.content_type = "application/octet-stream";
  }
  a.size = bytes->size();
  a.data = base64_encode(*bytes);
  return a;
}

std::vector<model::Annotation> notes_after(MapContext& ctx, std::size_t after) {
  std::vector<model::Annotation> notes;
  const hl7v2::Message& msg = ctx.msg();
  for (std::size_t i = after + 1; i < msg.segment_count() && msg.segment(i).name() == "NTE"; ++i) {
    const hl7v2::Segment nte = msg.segment(i);
    model::Annotation a;
    a.text = text_lines(nte.field(3));
    if (a.text.empty()) continue;
    a.author = person_display(nte.field(5).repetition(1));
    a.time = ctx.date_time(nte.field(6), field_label(segment_label(msg, nte), 6));
    notes.push_back(std::move(a));
  }
  return notes;
}

Expected<ObxResult, MappingError> map_obx(MapContext& ctx, const hl7v2::Segment& obx, const ObservationDefaults& d) {
  const std::string seg = segment_label(ctx.msg(), obx);
  ObxResult result;
  const std::string type = trim(obx.field(2).value());
  const hl7v2::Field value = obx.field(5);
  const bool has_value = !value.empty() && !value.is_null();

  if (type == "ED") {
    if (!has_value) return result;
    auto a = attachment(value.repetition(1));
    if (!a) {
      ctx.warn(field_label(seg, 5) + ": " + a.error() + "; left out");
      return result;
    }
    result.attachment = std::move(a).value();
    return result;
  }

  model::Observation o;
  const hl7v2::CWE code = hl7v2::read_cwe(obx.field(3).repetition(1));
  if (code.identifier.empty() && code.text.empty()) {
    return unexpected(invalid(field_label(seg, 3) + ": observation identifier missing"));
  }
  o.code = codeable_concept(code);
  if (!d.category.empty()) {
    o.category.push_back({{{std::string(kObservationCategory), "", d.category, ""}}, ""});
  }

  const model::Quantity unit = v2::unit(hl7v2::read_cwe(obx.field(6).repetition(1)));
  bool quantity_like = false;  // whether the reference range takes the unit

  if (!has_value) {
    // No value: an OBX that only announces a status (cancelled, not asked) or a heading.
  } else if (type == "NM") {
    const std::string text = trim(value.value());
    if (auto dec = hl7v2::parse_decimal(text)) {
      o.value = with_value(unit, dec->text);
      quantity_like = true;
    } else {
      std::string_view rest = text;
      const std::string comparator = take_comparator(rest);
      std::optional<hl7v2::Decimal> bounded;
      if (!comparator.empty()) {
        if (auto b = hl7v2::parse_decimal(trim(rest))) bounded = std::move(b).value();
      }
      if (bounded) {
        // "<0.1" in an NM field: what the sender meant is SN; mapped as SN would be.
        o.value = with_value(unit, bounded->text, comparator);
        quantity_like = true;
        ctx.warn(field_label(seg, 5) + ": NM value with a comparator; mapped as SN");
      } else {
        o.value = text;
        ctx.warn(field_label(seg, 5) + ": NM value is not a number; kept as valueString");
      }
    }
  } else if (type == "SN") {
    auto sn = hl7v2::parse_structured_numeric(value.repetition(1));
    const hl7v2::Repetition rep = value.repetition(1);
    const std::string as_text =
        join_nonempty({rep.component(1).value(), rep.component(2).value(), rep.component(3).value(),
                       rep.component(4).value(), unit.unit});
    if (!sn) {
      o.value = as_text;
      ctx.warn(field_label(seg, 5) + ": SN value not structured numeric; kept as valueString");
    } else if (sn->comparator == "<>" || sn->separator == "+" || !sn->num1) {
      o.value = as_text;  // IG: "<>" and "+" (and a lone comparator) have no numeric form
    } else if (sn->separator == ":" || sn->separator == "/") {
      model::Ratio r;
      r.numerator = with_value(unit, sn->num1->text, sn->comparator == "=" ? "" : sn->comparator);
      if (sn->num2) r.denominator = with_value(unit, sn->num2->text);
      o.value = std::move(r);
    } else if (sn->separator == "-") {
      model::Range r;
      r.low = with_value(unit, sn->num1->text);
      if (sn->num2) r.high = with_value(unit, sn->num2->text);
      o.value = std::move(r);
      quantity_like = true;
    } else if (sn->separator.empty()) {
      o.value = with_value(unit, sn->num1->text, sn->comparator == "=" ? "" : sn->comparator);
      quantity_like = true;
    } else {
      o.value = as_text;
    }
  } else if (type == "ST" || type == "TX" || type == "FT") {
    o.value = text_lines(value);
    result.text = true;
  } else if (type == "CWE" || type == "CE" || type == "CNE" || type == "CF" || type == "IS") {
    o.value = codeable_concept(hl7v2::read_cwe(value.repetition(1)));
    if (value.repetition_count() > 1) ctx.warn(field_label(seg, 5) + ": repeated coded value; first kept");
  } else if (type == "DT") {
    o.value = model::DateTimeValue{ctx.date(value, field_label(seg, 5))};
  } else if (type == "DTM" || type == "TS") {
    o.value = model::DateTimeValue{ctx.date_time(value, field_label(seg, 5))};
  } else if (type == "NR") {
    model::Range r;
    const hl7v2::Repetition rep = value.repetition(1);
    if (auto lo = hl7v2::parse_decimal(rep.component(1).value())) r.low = with_value(unit, lo->text);
    if (auto hi = hl7v2::parse_decimal(rep.component(2).value())) r.high = with_value(unit, hi->text);
    o.value = std::move(r);
    quantity_like = true;
  } else if (type.empty()) {
    o.value = text_lines(value);
    result.text = true;
    ctx.warn(field_label(seg, 2) + ": value type missing; value kept as valueString");
  } else if (is_known_type(type)) {
    o.value = text_lines(value);
    ctx.warn(field_label(seg, 2) + ": value type '" + type + "' has no structured mapping; kept as valueString");
  } else {
    return unexpected(invalid(field_label(seg, 2) + ": unknown value type '" + safe_code(type) + "'"));
  }

  if (const std::string range = trim(obx.field(7).value()); !range.empty()) {
    o.reference_range.push_back(reference_range(range, quantity_like ? unit : model::Quantity{}));
  }

  const hl7v2::Field flags = obx.field(8);
  for (std::size_t i = 1; i <= flags.repetition_count(); ++i) {
    const std::string flag = trim(flags.repetition(i).component(1).value());
    if (flag.empty()) continue;
    const std::string code3 = vocab::interpretation(flag);
    if (code3.empty()) {
      ctx.warn(field_label(seg, 8) + ": abnormal flag '" + safe_code(flag) + "' not in table 0078; kept as text");
      o.interpretation.push_back({{}, flag});
    } else {
      o.interpretation.push_back({{{std::string(vocab::kV3Interpretation), "", code3, ""}}, ""});
    }
  }

  const std::string status = trim(obx.field(11).value());
  o.status = vocab::observation_status(status);
  if (o.status.empty()) {
    if (!status.empty()) ctx.warn(field_label(seg, 11) + ": result status not in table 0085");
    o.status = d.status.empty() ? "unknown" : d.status;
  }
  if (status == "N") {
    o.data_absent_reason.coding.push_back(
        {"http://terminology.hl7.org/CodeSystem/data-absent-reason", "", "not-asked", ""});
  }

  o.effective_date_time = ctx.date_time(obx.field(14), field_label(seg, 14));
  if (o.effective_date_time.empty()) o.effective_date_time = d.effective;
  o.issued = d.issued;
  if (const std::string performer = person_display(obx.field(16).repetition(1)); !performer.empty()) {
    o.performer.push_back({"", "Practitioner", performer});
  }
  if (const hl7v2::Field m = obx.field(17); !m.empty() && !m.is_null()) {
    o.method = codeable_concept(hl7v2::read_cwe(m.repetition(1)));
  }
  o.note = notes_after(ctx, obx.index());
  result.observation = std::move(o);
  return result;
}

}  // namespace medgw::v2

#include "mappings/model/fhir_writer.hpp"

#include <cstddef>
#include <string>
#include <variant>

namespace medgw::model::json {

bool is_valid_decimal(std::string_view s) {
  std::size_t i = 0;
  const auto digit = [&](std::size_t at) { return at < s.size() && s[at] >= '0' && s[at] <= '9'; };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
    if (digit(i)) return false;  // "007": JSON forbids leading zeros
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlongs, surrogates and
// code points above U+10FFFF included, per RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

template <class W>
void write_string(W& w, std::string_view s) {
  bool valid = true;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      valid = false;
      break;
    }
    i += n;
  }
  if (valid) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return;
  }
  std::string fixed;
  fixed.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      fixed += "\xEF\xBF\xBD";
      ++i;
    } else {
      fixed.append(s.substr(i, n));
      i += n;
    }
  }
  w.String(fixed.data(), static_cast<rapidjson::SizeType>(fixed.size()));
}

namespace {

template <class W>
void key(W& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

template <class W>
void str(W& w, std::string_view k, std::string_view v) {
  if (v.empty()) return;
  key(w, k);
  write_string(w, v);
}

template <class W>
void decimal(W& w, std::string_view k, const Decimal& d) {
  if (!is_valid_decimal(d.text)) return;
  key(w, k);
  w.RawValue(d.text.data(), d.text.size(), rapidjson::kNumberType);
}

// An array element: written when the vector is not empty and holds something to write.
template <class W, class T, class Empty, class Write>
void array(W& w, std::string_view k, const std::vector<T>& items, Empty is_empty, Write write) {
  bool any = false;
  for (const T& t : items) any = any || !is_empty(t);
  if (!any) return;
  key(w, k);
  w.StartArray();
  for (const T& t : items) {
    if (!is_empty(t)) write(w, t);
  }
  w.EndArray();
}

template <class W>
void string_array(W& w, std::string_view k, const std::vector<std::string>& items) {
  array(w, k, items, [](const std::string& s) { return s.empty(); },
        [](W& ww, const std::string& s) { write_string(ww, s); });
}

// --- data types ---------------------------------------------------------------------------------

bool empty(const Coding& c) { return c.system.empty() && c.version.empty() && c.code.empty() && c.display.empty(); }
bool empty(const CodeableConcept& c) {
  for (const Coding& x : c.coding) {
    if (!empty(x)) return false;
  }
  return c.text.empty();
}
bool empty(const Quantity& q) {
  return !is_valid_decimal(q.value.text) && q.comparator.empty() && q.unit.empty() && q.system.empty() &&
         q.code.empty();
}
bool empty(const std::optional<Quantity>& q) { return !q || empty(*q); }
bool empty(const Period& p) { return p.empty(); }
bool empty(const Reference& r) { return r.reference.empty() && r.type.empty() && r.display.empty(); }
bool empty(const Identifier& i) {
  return i.use.empty() && empty(i.type) && i.system.empty() && i.value.empty() && i.period.empty() &&
         i.assigner.empty();
}
bool empty(const HumanName& n) {
  return n.use.empty() && n.text.empty() && n.family.empty() && n.given.empty() && n.prefix.empty() &&
         n.suffix.empty() && n.period.empty();
}
bool empty(const ContactPoint& c) { return c.system.empty() && c.value.empty() && c.use.empty(); }
bool empty(const Address& a) {
  return a.use.empty() && a.type.empty() && a.text.empty() && a.line.empty() && a.city.empty() &&
         a.district.empty() && a.state.empty() && a.postal_code.empty() && a.country.empty() && a.period.empty();
}
bool empty(const Annotation& a) { return a.author.empty() && a.time.empty() && a.text.empty(); }
bool empty(const Attachment& a) {
  return a.content_type.empty() && a.language.empty() && a.data.empty() && a.url.empty() && a.title.empty() &&
         a.creation.empty() && !a.size;
}
bool empty(const PatientLink& l) { return empty(l.other) && l.type.empty(); }
bool empty(const ObservationReferenceRange& r) { return empty(r.low) && empty(r.high) && r.text.empty(); }
bool empty(const DocumentReferenceContent& c) { return empty(c.attachment) && empty(c.format); }

// Declared up front: the shorthands below call write() for types defined after them, and a
// dependent call only finds functions declared before its template.
template <class W>
void write(W& w, const ObservationReferenceRange& r);
template <class W>
void write(W& w, const PatientLink& l);
template <class W>
void write(W& w, const DocumentReferenceContent& c);

template <class W>
void write(W& w, const Coding& c) {
  w.StartObject();
  str(w, "system", c.system);
  str(w, "version", c.version);
  str(w, "code", c.code);
  str(w, "display", c.display);
  w.EndObject();
}

template <class W>
void write(W& w, const CodeableConcept& c) {
  w.StartObject();
  array(w, "coding", c.coding, [](const Coding& x) { return empty(x); }, [](W& ww, const Coding& x) { write(ww, x); });
  str(w, "text", c.text);
  w.EndObject();
}

template <class W>
void write(W& w, const Quantity& q) {
  w.StartObject();
  decimal(w, "value", q.value);
  str(w, "comparator", q.comparator);
  str(w, "unit", q.unit);
  str(w, "system", q.system);
  str(w, "code", q.code);
  w.EndObject();
}

template <class W>
void write(W& w, const Period& p) {
  w.StartObject();
  str(w, "start", p.start);
  str(w, "end", p.end);
  w.EndObject();
}

template <class W>
void write(W& w, const Reference& r) {
  w.StartObject();
  str(w, "reference", r.reference);
  str(w, "type", r.type);
  str(w, "display", r.display);
  w.EndObject();
}

template <class W>
void write(W& w, const Identifier& i) {
  w.StartObject();
  str(w, "use", i.use);
  if (!empty(i.type)) {
    key(w, "type");
    write(w, i.type);
  }
  str(w, "system", i.system);
  str(w, "value", i.value);
  if (!i.period.empty()) {
    key(w, "period");
    write(w, i.period);
  }
  if (!i.assigner.empty()) {
    key(w, "assigner");
    w.StartObject();
    str(w, "display", i.assigner);
    w.EndObject();
  }
  w.EndObject();
}

template <class W>
void write(W& w, const HumanName& n) {
  w.StartObject();
  str(w, "use", n.use);
  str(w, "text", n.text);
  str(w, "family", n.family);
  string_array(w, "given", n.given);
  string_array(w, "prefix", n.prefix);
  string_array(w, "suffix", n.suffix);
  if (!n.period.empty()) {
    key(w, "period");
    write(w, n.period);
  }
  w.EndObject();
}

template <class W>
void write(W& w, const ContactPoint& c) {
  w.StartObject();
  str(w, "system", c.system);
  str(w, "value", c.value);
  str(w, "use", c.use);
  w.EndObject();
}

template <class W>
void write(W& w, const Address& a) {
  w.StartObject();
  str(w, "use", a.use);
  str(w, "type", a.type);
  str(w, "text", a.text);
  string_array(w, "line", a.line);
  str(w, "city", a.city);
  str(w, "district", a.district);
  str(w, "state", a.state);
  str(w, "postalCode", a.postal_code);
  str(w, "country", a.country);
  if (!a.period.empty()) {
    key(w, "period");
    write(w, a.period);
  }
  w.EndObject();
}

template <class W>
void write(W& w, const Annotation& a) {
  w.StartObject();
  str(w, "authorString", a.author);
  str(w, "time", a.time);
  str(w, "text", a.text);
  w.EndObject();
}

template <class W>
void write(W& w, const Attachment& a) {
  w.StartObject();
  str(w, "contentType", a.content_type);
  str(w, "language", a.language);
  str(w, "data", a.data);
  str(w, "url", a.url);
  if (a.size) {
    key(w, "size");
    w.Uint64(*a.size);
  }
  str(w, "title", a.title);
  str(w, "creation", a.creation);
  w.EndObject();
}

// Shorthands for the common element shapes.
template <class W, class T>
void object(W& w, std::string_view k, const T& v) {
  if (empty(v)) return;
  key(w, k);
  write(w, v);
}

template <class W>
void object(W& w, std::string_view k, const std::optional<Quantity>& v) {
  if (empty(v)) return;
  key(w, k);
  write(w, *v);
}

template <class W, class T>
void objects(W& w, std::string_view k, const std::vector<T>& v) {
  array(w, k, v, [](const T& x) { return empty(x); }, [](W& ww, const T& x) { write(ww, x); });
}

template <class W>
void resource_type(W& w, std::string_view type, const std::string& id) {
  key(w, "resourceType");
  write_string(w, type);
  str(w, "id", id);
}

// Observation.value[x]: the element name follows the variant alternative.
template <class W>
struct ValueWriter {
  W& w;
  void operator()(const std::monostate&) const {}
  void operator()(const Quantity& q) const { object(w, "valueQuantity", q); }
  void operator()(const CodeableConcept& c) const { object(w, "valueCodeableConcept", c); }
  void operator()(const std::string& s) const { str(w, "valueString", s); }
  void operator()(const Range& r) const {
    if (empty(r.low) && empty(r.high)) return;
    key(w, "valueRange");
    w.StartObject();
    object(w, "low", r.low);
    object(w, "high", r.high);
    w.EndObject();
  }
  void operator()(const Ratio& r) const {
    if (empty(r.numerator) && empty(r.denominator)) return;
    key(w, "valueRatio");
    w.StartObject();
    object(w, "numerator", r.numerator);
    object(w, "denominator", r.denominator);
    w.EndObject();
  }
  void operator()(const DateTimeValue& d) const { str(w, "valueDateTime", d.value); }
};

template <class W>
void write(W& w, const ObservationReferenceRange& r) {
  w.StartObject();
  object(w, "low", r.low);
  object(w, "high", r.high);
  str(w, "text", r.text);
  w.EndObject();
}

template <class W>
void write(W& w, const PatientLink& l) {
  w.StartObject();
  object(w, "other", l.other);
  str(w, "type", l.type);
  w.EndObject();
}

template <class W>
void write(W& w, const DocumentReferenceContent& c) {
  w.StartObject();
  object(w, "attachment", c.attachment);
  object(w, "format", c.format);
  w.EndObject();
}

}  // namespace

template <class W>
void write_identifier(W& w, const Identifier& r) {
  write(w, r);
}

// --- resources ----------------------------------------------------------------------------------

template <class W>
void write_resource(W& w, const Patient& r) {
  w.StartObject();
  resource_type(w, "Patient", r.id);
  objects(w, "identifier", r.identifier);
  if (r.active) {
    key(w, "active");
    w.Bool(*r.active);
  }
  objects(w, "name", r.name);
  objects(w, "telecom", r.telecom);
  str(w, "gender", r.gender);
  str(w, "birthDate", r.birth_date);
  // deceased[x] is a choice: a date-time says more than the flag, so it wins when both are set.
  if (!r.deceased_date_time.empty()) {
    str(w, "deceasedDateTime", r.deceased_date_time);
  } else if (r.deceased_boolean) {
    key(w, "deceasedBoolean");
    w.Bool(*r.deceased_boolean);
  }
  objects(w, "address", r.address);
  object(w, "maritalStatus", r.marital_status);
  objects(w, "link", r.link);
  w.EndObject();
}

template <class W>
void write_resource(W& w, const Encounter& r) {
  w.StartObject();
  resource_type(w, "Encounter", r.id);
  objects(w, "identifier", r.identifier);
  str(w, "status", r.status);
  object(w, "class", r.class_);
  objects(w, "type", r.type);
  object(w, "subject", r.subject);
  object(w, "period", r.period);
  if (!empty(r.admit_source) || !empty(r.discharge_disposition)) {
    key(w, "hospitalization");
    w.StartObject();
    object(w, "admitSource", r.admit_source);
    object(w, "dischargeDisposition", r.discharge_disposition);
    w.EndObject();
  }
  array(w, "location", r.location, [](const Reference& x) { return empty(x); },
        [](W& ww, const Reference& x) {
          ww.StartObject();
          object(ww, "location", x);
          ww.EndObject();
        });
  object(w, "serviceProvider", r.service_provider);
  w.EndObject();
}

template <class W>
void write_resource(W& w, const ServiceRequest& r) {
  w.StartObject();
  resource_type(w, "ServiceRequest", r.id);
  objects(w, "identifier", r.identifier);
  str(w, "status", r.status);
  str(w, "intent", r.intent);
  objects(w, "category", r.category);
  object(w, "code", r.code);
  object(w, "subject", r.subject);
  object(w, "encounter", r.encounter);
  str(w, "authoredOn", r.authored_on);
  object(w, "requester", r.requester);
  objects(w, "note", r.note);
  w.EndObject();
}

template <class W>
void write_resource(W& w, const DiagnosticReport& r) {
  w.StartObject();
  resource_type(w, "DiagnosticReport", r.id);
  objects(w, "identifier", r.identifier);
  objects(w, "basedOn", r.based_on);
  str(w, "status", r.status);
  objects(w, "category", r.category);
  object(w, "code", r.code);
  object(w, "subject", r.subject);
  object(w, "encounter", r.encounter);
  str(w, "effectiveDateTime", r.effective_date_time);
  str(w, "issued", r.issued);
  objects(w, "performer", r.performer);
  objects(w, "result", r.result);
  objects(w, "imagingStudy", r.imaging_study);
  str(w, "conclusion", r.conclusion);
  objects(w, "presentedForm", r.presented_form);
  w.EndObject();
}

template <class W>
void write_resource(W& w, const Observation& r) {
  w.StartObject();
  resource_type(w, "Observation", r.id);
  objects(w, "identifier", r.identifier);
  objects(w, "basedOn", r.based_on);
  str(w, "status", r.status);
  objects(w, "category", r.category);
  object(w, "code", r.code);
  object(w, "subject", r.subject);
  object(w, "encounter", r.encounter);
  str(w, "effectiveDateTime", r.effective_date_time);
  str(w, "issued", r.issued);
  objects(w, "performer", r.performer);
  std::visit(ValueWriter<W>{w}, r.value);
  object(w, "dataAbsentReason", r.data_absent_reason);
  objects(w, "interpretation", r.interpretation);
  objects(w, "note", r.note);
  object(w, "method", r.method);
  objects(w, "referenceRange", r.reference_range);
  w.EndObject();
}

template <class W>
void write_resource(W& w, const DocumentReference& r) {
  w.StartObject();
  resource_type(w, "DocumentReference", r.id);
  object(w, "masterIdentifier", r.master_identifier);
  objects(w, "identifier", r.identifier);
  str(w, "status", r.status);
  str(w, "docStatus", r.doc_status);
  object(w, "type", r.type);
  objects(w, "category", r.category);
  object(w, "subject", r.subject);
  str(w, "date", r.date);
  objects(w, "author", r.author);
  str(w, "description", r.description);
  objects(w, "content", r.content);
  if (!empty(r.context_encounter) || !r.context_period.empty()) {
    key(w, "context");
    w.StartObject();
    if (!empty(r.context_encounter)) {
      key(w, "encounter");  // 0..* in R4
      w.StartArray();
      write(w, r.context_encounter);
      w.EndArray();
    }
    object(w, "period", r.context_period);
    w.EndObject();
  }
  w.EndObject();
}

template <class W>
void write_resource(W& w, const ImagingStudy& r) {
  w.StartObject();
  resource_type(w, "ImagingStudy", r.id);
  objects(w, "identifier", r.identifier);
  str(w, "status", r.status);
  objects(w, "modality", r.modality);
  object(w, "subject", r.subject);
  object(w, "encounter", r.encounter);
  str(w, "started", r.started);
  objects(w, "basedOn", r.based_on);
  if (r.number_of_series) {
    key(w, "numberOfSeries");
    w.Uint(*r.number_of_series);
  }
  if (r.number_of_instances) {
    key(w, "numberOfInstances");
    w.Uint(*r.number_of_instances);
  }
  objects(w, "procedureCode", r.procedure_code);
  str(w, "description", r.description);
  w.EndObject();
}

#define MEDGW_INSTANTIATE(W)                                         \
  template void write_string<W>(W&, std::string_view);               \
  template void write_identifier<W>(W&, const Identifier&);          \
  template void write_resource<W>(W&, const Patient&);               \
  template void write_resource<W>(W&, const Encounter&);             \
  template void write_resource<W>(W&, const ServiceRequest&);        \
  template void write_resource<W>(W&, const DiagnosticReport&);      \
  template void write_resource<W>(W&, const Observation&);           \
  template void write_resource<W>(W&, const DocumentReference&);     \
  template void write_resource<W>(W&, const ImagingStudy&);

MEDGW_INSTANTIATE(CompactWriter)
MEDGW_INSTANTIATE(PrettyWriter)
#undef MEDGW_INSTANTIATE

}  // namespace medgw::model::json

#include "mappings/fhir/reader.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace medgw::fhir {
namespace {

using rapidjson::Value;

// Reads one object's members; every accessor yields "absent" for a missing or mistyped element.
class Obj {
 public:
  Obj(const JsonDocument& doc, const Value& v) : doc_(doc), v_(v.IsObject() ? &v : nullptr) {}

  const Value* get(const char* name) const {
    if (v_ == nullptr) return nullptr;
    const auto m = v_->FindMember(name);
    return m == v_->MemberEnd() ? nullptr : &m->value;
  }
  std::string str(const char* name) const {
    const Value* x = get(name);
    return x != nullptr && doc_.is_string(*x) ? std::string(text_of(*x)) : std::string();
  }
  std::optional<bool> boolean(const char* name) const {
    const Value* x = get(name);
    return x != nullptr && x->IsBool() ? std::optional<bool>(x->GetBool()) : std::nullopt;
  }
  template <class T>
  std::optional<T> unsigned_number(const char* name) const {
    const Value* x = get(name);
    if (x == nullptr || !doc_.is_number(*x)) return std::nullopt;
    const std::string_view t = text_of(*x);
    T out{};
    const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
    return out;
  }
  model::Decimal decimal(const char* name) const {
    const Value* x = get(name);
    return {x != nullptr ? std::string(doc_.number_text(*x)) : std::string()};
  }
  Obj sub(const char* name) const {
    const Value* x = get(name);
    return x != nullptr ? Obj(doc_, *x) : Obj(doc_);
  }
  // Calls f(Obj) for each object of an array element.
  template <class F>
  void each(const char* name, F f) const {
    const Value* x = get(name);
    if (x == nullptr || !x->IsArray()) return;
    for (const Value& item : x->GetArray()) {
      if (item.IsObject()) f(Obj(doc_, item));
    }
  }
  std::vector<std::string> strings(const char* name) const {
    std::vector<std::string> out;
    const Value* x = get(name);
    if (x == nullptr || !x->IsArray()) return out;
    for (const Value& item : x->GetArray()) {
      if (doc_.is_string(item)) out.emplace_back(text_of(item));
    }
    return out;
  }
  bool present() const { return v_ != nullptr; }
  const JsonDocument& doc() const { return doc_; }
  const Value* value() const { return v_; }

 private:
  explicit Obj(const JsonDocument& doc) : doc_(doc), v_(nullptr) {}
  const JsonDocument& doc_;
  const Value* v_;
};

model::Coding coding(const Obj& o) {
  return {o.str("system"), o.str("version"), o.str("code"), o.str("display")};
}

model::CodeableConcept codeable(const Obj& o) {
  model::CodeableConcept c;
  o.each("coding", [&](const Obj& x) { c.coding.push_back(coding(x)); });
  c.text = o.str("text");
  return c;
}

model::Quantity quantity(const Obj& o) {
  return {o.decimal("value"), o.str("comparator"), o.str("unit"), o.str("system"), o.str("code")};
}

std::optional<model::Quantity> optional_quantity(const Obj& o) {
  if (!o.present()) return std::nullopt;
  return quantity(o);
}

model::Period period(const Obj& o) {
  return {o.str("start"), o.str("end")};
}

model::Reference reference(const Obj& o) {
  return {o.str("reference"), o.str("type"), o.str("display")};
}

model::Identifier identifier(const Obj& o) {
  model::Identifier i;
  i.use = o.str("use");
  i.type = codeable(o.sub("type"));
  i.system = o.str("system");
  i.value = o.str("value");
  i.period = period(o.sub("period"));
  i.assigner = o.sub("assigner").str("display");
  return i;
}

model::HumanName human_name(const Obj& o) {
  model::HumanName n;
  n.use = o.str("use");
  n.text = o.str("text");
  n.family = o.str("family");
  n.given = o.strings("given");
  n.prefix = o.strings("prefix");
  n.suffix = o.strings("suffix");
  n.period = period(o.sub("period"));
  return n;
}

model::ContactPoint contact_point(const Obj& o) {
  return {o.str("system"), o.str("value"), o.str("use")};
}

model::Address address(const Obj& o) {
  model::Address a;
  a.use = o.str("use");
  a.type = o.str("type");
  a.text = o.str("text");
  a.line = o.strings("line");
  a.city = o.str("city");
  a.district = o.str("district");
  a.state = o.str("state");
  a.postal_code = o.str("postalCode");
  a.country = o.str("country");
  a.period = period(o.sub("period"));
  return a;
}

// Only authorString: the model's author is text, and authorReference is kept in fhir_json.
model::Annotation annotation(const Obj& o) {
  return {o.str("authorString"), o.str("time"), o.str("text")};
}

model::Attachment attachment(const Obj& o) {
  model::Attachment a;
  a.content_type = o.str("contentType");
  a.language = o.str("language");
  a.data = o.str("data");
  a.url = o.str("url");
  a.title = o.str("title");
  a.creation = o.str("creation");
  a.size = o.unsigned_number<std::uint64_t>("size");
  return a;
}

// Helpers for the repeated element shapes.
template <class T, class F>
std::vector<T> list(const Obj& o, const char* name, F read) {
  std::vector<T> out;
  o.each(name, [&](const Obj& x) { out.push_back(read(x)); });
  return out;
}
std::vector<model::Identifier> identifiers(const Obj& o) {
  return list<model::Identifier>(o, "identifier", identifier);
}
std::vector<model::Reference> references(const Obj& o, const char* name) {
  return list<model::Reference>(o, name, reference);
}
std::vector<model::CodeableConcept> concepts(const Obj& o, const char* name) {
  return list<model::CodeableConcept>(o, name, codeable);
}

model::ObservationValue observation_value(const Obj& o) {
  if (const Obj q = o.sub("valueQuantity"); q.present()) return quantity(q);
  if (const Obj c = o.sub("valueCodeableConcept"); c.present()) return codeable(c);
  if (const std::string s = o.str("valueString"); !s.empty()) return s;
  if (const Obj r = o.sub("valueRange"); r.present()) {
    return model::Range{optional_quantity(r.sub("low")), optional_quantity(r.sub("high"))};
  }
  if (const Obj r = o.sub("valueRatio"); r.present()) {
    return model::Ratio{optional_quantity(r.sub("numerator")), optional_quantity(r.sub("denominator"))};
  }
  if (std::string d = o.str("valueDateTime"); !d.empty()) return model::DateTimeValue{std::move(d)};
  return std::monostate{};  // valueBoolean, valueInteger, valuePeriod, ...: kept in fhir_json only
}

}  // namespace

model::Identifier read_identifier(const JsonDocument& doc, const Value& v) {
  return identifier(Obj(doc, v));
}
model::Reference read_reference(const JsonDocument& doc, const Value& v) {
  return reference(Obj(doc, v));
}

model::Patient read_patient(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::Patient p;
  p.id = o.str("id");
  p.identifier = identifiers(o);
  p.active = o.boolean("active");
  p.name = list<model::HumanName>(o, "name", human_name);
  p.telecom = list<model::ContactPoint>(o, "telecom", contact_point);
  p.gender = o.str("gender");
  p.birth_date = o.str("birthDate");
  p.deceased_boolean = o.boolean("deceasedBoolean");
  p.deceased_date_time = o.str("deceasedDateTime");
  p.address = list<model::Address>(o, "address", address);
  p.marital_status = codeable(o.sub("maritalStatus"));
  p.link = list<model::PatientLink>(o, "link", [](const Obj& x) {
    return model::PatientLink{reference(x.sub("other")), x.str("type")};
  });
  return p;
}

model::Encounter read_encounter(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::Encounter e;
  e.id = o.str("id");
  e.identifier = identifiers(o);
  e.status = o.str("status");
  e.class_ = coding(o.sub("class"));
  e.type = concepts(o, "type");
  e.subject = reference(o.sub("subject"));
  e.period = period(o.sub("period"));
  e.location = list<model::Reference>(o, "location", [](const Obj& x) { return reference(x.sub("location")); });
  e.service_provider = reference(o.sub("serviceProvider"));
  const Obj h = o.sub("hospitalization");
  e.admit_source = codeable(h.sub("admitSource"));
  e.discharge_disposition = codeable(h.sub("dischargeDisposition"));
  return e;
}

model::ServiceRequest read_service_request(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::ServiceRequest r;
  r.id = o.str("id");
  r.identifier = identifiers(o);
  r.status = o.str("status");
  r.intent = o.str("intent");
  r.category = concepts(o, "category");
  r.code = codeable(o.sub("code"));
  r.subject = reference(o.sub("subject"));
  r.encounter = reference(o.sub("encounter"));
  r.authored_on = o.str("authoredOn");
  r.requester = reference(o.sub("requester"));
  r.note = list<model::Annotation>(o, "note", annotation);
  return r;
}

model::DiagnosticReport read_diagnostic_report(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::DiagnosticReport r;
  r.id = o.str("id");
  r.identifier = identifiers(o);
  r.based_on = references(o, "basedOn");
  r.status = o.str("status");
  r.category = concepts(o, "category");
  r.code = codeable(o.sub("code"));
  r.subject = reference(o.sub("subject"));
  r.encounter = reference(o.sub("encounter"));
  r.effective_date_time = o.str("effectiveDateTime");
  r.issued = o.str("issued");
  r.performer = references(o, "performer");
  r.result = references(o, "result");
  r.imaging_study = references(o, "imagingStudy");
  r.conclusion = o.str("conclusion");
  r.presented_form = list<model::Attachment>(o, "presentedForm", attachment);
  return r;
}

model::Observation read_observation(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::Observation r;
  r.id = o.str("id");
  r.identifier = identifiers(o);
  r.based_on = references(o, "basedOn");
  r.status = o.str("status");
  r.category = concepts(o, "category");
  r.code = codeable(o.sub("code"));
  r.subject = reference(o.sub("subject"));
  r.encounter = reference(o.sub("encounter"));
  // An instant is a dateTime with full precision: the model's one effective time takes either.
  r.effective_date_time = o.str("effectiveDateTime");
  if (r.effective_date_time.empty()) r.effective_date_time = o.str("effectiveInstant");
  r.issued = o.str("issued");
  r.performer = references(o, "performer");
  r.value = observation_value(o);
  r.data_absent_reason = codeable(o.sub("dataAbsentReason"));
  r.interpretation = concepts(o, "interpretation");
  r.note = list<model::Annotation>(o, "note", annotation);
  r.method = codeable(o.sub("method"));
  r.reference_range = list<model::ObservationReferenceRange>(o, "referenceRange", [](const Obj& x) {
    return model::ObservationReferenceRange{optional_quantity(x.sub("low")), optional_quantity(x.sub("high")),
                                            x.str("text")};
  });
  return r;
}

model::DocumentReference read_document_reference(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::DocumentReference r;
  r.id = o.str("id");
  r.master_identifier = identifier(o.sub("masterIdentifier"));
  r.identifier = identifiers(o);
  r.status = o.str("status");
  r.doc_status = o.str("docStatus");
  r.type = codeable(o.sub("type"));
  r.category = concepts(o, "category");
  r.subject = reference(o.sub("subject"));
  r.date = o.str("date");
  r.author = references(o, "author");
  r.description = o.str("description");
  r.content = list<model::DocumentReferenceContent>(o, "content", [](const Obj& x) {
    return model::DocumentReferenceContent{attachment(x.sub("attachment")), coding(x.sub("format"))};
  });
  const Obj context = o.sub("context");
  // context.encounter is 0..* in R4; the model keeps the first (the visit a document belongs to).
  const std::vector<model::Reference> encounters = references(context, "encounter");
  if (!encounters.empty()) r.context_encounter = encounters.front();
  r.context_period = period(context.sub("period"));
  return r;
}

model::ImagingStudy read_imaging_study(const JsonDocument& doc, const Value& v) {
  const Obj o(doc, v);
  model::ImagingStudy r;
  r.id = o.str("id");
  r.identifier = identifiers(o);
  r.status = o.str("status");
  r.modality = list<model::Coding>(o, "modality", coding);
  r.subject = reference(o.sub("subject"));
  r.encounter = reference(o.sub("encounter"));
  r.started = o.str("started");
  r.based_on = references(o, "basedOn");
  r.number_of_series = o.unsigned_number<unsigned>("numberOfSeries");
  r.number_of_instances = o.unsigned_number<unsigned>("numberOfInstances");
  r.procedure_code = concepts(o, "procedureCode");
  r.description = o.str("description");
  return r;
}

std::optional<AnyResource> read_resource(const JsonDocument& doc, const Value& v) {
  const std::string type = Obj(doc, v).str("resourceType");
  if (type == "Patient") return read_patient(doc, v);
  if (type == "Encounter") return read_encounter(doc, v);
  if (type == "ServiceRequest") return read_service_request(doc, v);
  if (type == "DiagnosticReport") return read_diagnostic_report(doc, v);
  if (type == "Observation") return read_observation(doc, v);
  if (type == "DocumentReference") return read_document_reference(doc, v);
  if (type == "ImagingStudy") return read_imaging_study(doc, v);
  return std::nullopt;
}

}  // namespace medgw::fhir

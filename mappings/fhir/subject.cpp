#include "mappings/fhir/subject.hpp"

#include "mappings/fhir/reader.hpp"

namespace medgw::fhir {

bool PatientRef::same_as(const PatientRef& o) const {
  if (entry || o.entry) return entry == o.entry;
  if (identifier || o.identifier) {
    return identifier && o.identifier && identifier->system == o.identifier->system &&
           identifier->value == o.identifier->value;
  }
  return id == o.id;
}

std::optional<PatientRef> subject_of(const Entry& e, const std::vector<Entry>& entries, const JsonDocument& doc,
                                     Problems& problems) {
  const std::string path = e.path + ".subject";
  const auto m = e.resource->FindMember("subject");
  if (m == e.resource->MemberEnd()) {
    problems.invalid(issue_code::kRequired, path,
                     "medgw files every resource under a patient: " + e.type + ".subject is required");
    return std::nullopt;
  }
  const model::Reference ref = read_reference(doc, m->value);
  if (!ref.type.empty() && ref.type != "Patient") {
    problems.invalid(issue_code::kInvalid, path, "the subject must be a Patient");
    return std::nullopt;
  }
  PatientRef out;
  const std::string_view r = ref.reference;
  if (r.starts_with("urn:uuid:")) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].full_url != r) continue;
      if (entries[i].type != "Patient") {
        problems.invalid(issue_code::kInvalid, path, "the subject must be a Patient");
        return std::nullopt;
      }
      out.entry = i;
      return out;
    }
    problems.invalid(issue_code::kInvalid, path + ".reference", "the subject points to no entry of the transaction");
    return std::nullopt;
  }
  if (!r.empty()) {
    // Relative "Patient/<id>", optionally "/_history/<version>" (the version is not kept: the
    // archive files under the patient, not under one version of its record).
    std::string_view id = r.starts_with("Patient/") ? r.substr(8) : std::string_view();
    if (const std::size_t h = id.find("/_history/"); h != std::string_view::npos) id = id.substr(0, h);
    if (id.empty() || id.find('/') != std::string_view::npos) {
      problems.invalid(issue_code::kInvalid, path + ".reference",
                       "the subject must be a relative Patient reference (Patient/<id>)");
      return std::nullopt;
    }
    out.id = std::string(id);
    // The Patient a PUT entry of this transaction updates is that entry.
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].type == "Patient" && entries[i].target.id == out.id) {
        out.entry = i;
        out.id.clear();
      }
    }
    return out;
  }
  const auto identifier = m->value.FindMember("identifier");
  if (identifier != m->value.MemberEnd()) {
    model::Identifier id = read_identifier(doc, identifier->value);
    if (id.system.empty() || id.value.empty()) {
      problems.invalid(issue_code::kInvalid, path + ".identifier",
                       "a logical subject reference needs an identifier system and value");
      return std::nullopt;
    }
    out.identifier = std::move(id);
    return out;
  }
  problems.invalid(issue_code::kInvalid, path, "the subject needs a reference or an identifier");
  return std::nullopt;
}

}  // namespace medgw::fhir

#include "mappings/fhir/map_interaction.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mappings/fhir/entries.hpp"
#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/json_rewrite.hpp"
#include "mappings/fhir/reader.hpp"
#include "mappings/fhir/subject.hpp"
#include "mappings/fhir/validate.hpp"
#include "mappings/fhir/xml_to_json.hpp"
#include "mappings/mpi/identity.hpp"

namespace medgw::fhir {
namespace {

bool is_content_type(std::string_view ct, std::initializer_list<std::string_view> types) {
  for (std::string_view accepted : types) {
    if (ct.starts_with(accepted) && (ct.size() == accepted.size() || ct[accepted.size()] == ';')) return true;
  }
  return false;
}

bool is_json_content_type(std::string_view ct) {
  return is_content_type(ct, {"application/fhir+json", "application/json"});
}

bool is_xml_content_type(std::string_view ct) {
  return is_content_type(ct, {"application/fhir+xml", "application/xml", "text/xml"});
}

// Where each transaction entry will be: "urn:uuid:<x>" (its fullUrl) -> "<Type>/<key or id>".
std::map<std::string, std::string, std::less<>> entry_targets(const std::vector<Entry>& entries) {
  std::map<std::string, std::string, std::less<>> out;
  for (const Entry& e : entries) {
    if (!e.full_url.starts_with("urn:uuid:")) continue;
    out[e.full_url] = e.type + "/" + (e.target.id.empty() ? e.key : e.target.id);
  }
  return out;
}

// The patient of the request: its Patient entry, or the one subject every resource names.
std::optional<PatientRef> request_patient(const std::vector<Entry>& entries, const JsonDocument& doc,
                                          Problems& problems) {
  std::optional<PatientRef> patient;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != "Patient") continue;
    if (patient) {
      problems.invalid(issue_code::kInvalid, entries[i].path, "a transaction may concern one patient; use a batch");
      return std::nullopt;
    }
    patient = PatientRef{i, {}, std::nullopt};
  }
  for (const Entry& e : entries) {
    if (e.type == "Patient") continue;
    std::optional<PatientRef> subject = subject_of(e, entries, doc, problems);
    if (!subject) continue;
    if (!patient) {
      patient = std::move(subject);
    } else if (!patient->same_as(*subject)) {
      problems.invalid(issue_code::kInvalid, e.path + ".subject", "a transaction may concern one patient; use a batch");
      return std::nullopt;
    }
  }
  return patient;
}

template <class Resource>
model::Keyed<Resource> keyed(const Entry& e, Resource resource, std::string json) {
  resource.subject = {};  // the store fills it with the golden patient
  return {e.key, std::move(resource), e.target, std::move(json)};
}

struct Mapper {
  const Interaction& in;
  const JsonDocument& doc;
  const std::vector<Entry>& entries;
  Problems& problems;
  std::map<std::string, std::string, std::less<>> targets = entry_targets(entries);

  void map(const Entry& e, model::ChangeSet& cs) {
    bool dangling = false;
    RewriteOptions options;
    options.reference = [&](std::string_view ref) -> std::optional<std::string> {
      if (!ref.starts_with("urn:uuid:")) return std::nullopt;
      const auto it = targets.find(ref);
      if (it == targets.end()) {
        dangling = true;
        return std::nullopt;
      }
      return it->second;
    };
    if (e.type == "Patient") {
      const model::Patient as_sent = read_patient(doc, *e.resource);
      if (!mpi::source_key(as_sent.identifier)) {
        model::Identifier added;
        added.system = std::string(kGeneratedIdentifierSystem);
        added.value = "urn:uuid:" + in.key;
        options.add_identifier = std::move(added);
      }
    }
    std::string json = rewrite_resource_json(doc, *e.resource, options);
    if (dangling) {
      problems.invalid(issue_code::kInvalid, e.path, "a urn:uuid reference points to no entry of the transaction");
      return;
    }
    // The model is read from the rewritten JSON, so it and fhir_json cannot disagree.
    auto rewritten = JsonDocument::parse(json);
    if (!rewritten) {  // impossible: the writer produced it
      problems.invalid(issue_code::kStructure, e.path, "the resource could not be rewritten");
      return;
    }
    const rapidjson::Value& r = rewritten->root();
    if (e.type == "Patient") {
      cs.patient = model::PatientRecord{cs.sender, read_patient(*rewritten, r), e.target, std::move(json)};
    } else if (e.type == "Encounter") {
      cs.encounters.push_back(keyed(e, read_encounter(*rewritten, r), std::move(json)));
    } else if (e.type == "ServiceRequest") {
      cs.orders.push_back(keyed(e, read_service_request(*rewritten, r), std::move(json)));
    } else if (e.type == "DiagnosticReport") {
      cs.reports.push_back(keyed(e, read_diagnostic_report(*rewritten, r), std::move(json)));
    } else if (e.type == "Observation") {
      cs.observations.push_back(keyed(e, read_observation(*rewritten, r), std::move(json)));
    } else if (e.type == "DocumentReference") {
      cs.documents.push_back(keyed(e, read_document_reference(*rewritten, r), std::move(json)));
    } else if (e.type == "ImagingStudy") {
      cs.studies.push_back(keyed(e, read_imaging_study(*rewritten, r), std::move(json)));
    }
  }
};

}  // namespace

Expected<model::ChangeSet, MapError> map_interaction(const Interaction& in) {
  Problems problems;
  const bool xml = is_xml_content_type(in.body_content_type);
  if (!xml && !is_json_content_type(in.body_content_type)) {
    problems.unsupported("",
                         "only FHIR JSON and XML bodies (application/fhir+json, application/fhir+xml) are supported");
    return unexpected(std::move(problems).error());
  }
  if (in.kind != InteractionKind::kTransaction && !is_mappable_type(in.type)) {
    problems.unsupported(in.type == "Bundle" ? "Bundle" : "", "medgw does not take this resource type");
    return unexpected(std::move(problems).error());
  }
  // An XML body is read as its JSON form: from here on both take one path. The envelope keeps the
  // XML as received, so a fix to the conversion applies on replay.
  std::string converted;
  if (xml) {
    auto json = fhir_xml_to_json(in.body);
    if (!json) {
      problems.add_validation({std::move(json).error()});
      return unexpected(std::move(problems).error());
    }
    converted = std::move(*json);
  }
  auto doc = JsonDocument::parse(xml ? std::string_view(converted) : std::string_view(in.body));
  if (!doc) {
    problems.add_validation({doc.error()});
    return unexpected(std::move(problems).error());
  }
  problems.add_validation(validate(*doc));
  if (problems.any()) return unexpected(std::move(problems).error());

  const std::vector<Entry> entries = collect_entries(in, *doc, problems);
  // Stop here when an entry was refused: its references would only add confusing follow-on issues.
  if (problems.any()) return unexpected(std::move(problems).error());
  const std::optional<PatientRef> patient = request_patient(entries, *doc, problems);
  if (problems.any()) return unexpected(std::move(problems).error());

  model::ChangeSet cs;
  cs.sender = "FHIR^" + in.client;
  cs.message_type = "FHIR " + std::string(to_string(in.kind)) + " " + (in.type.empty() ? "Bundle" : in.type);
  cs.message_control_id = in.key;
  Mapper mapper{in, *doc, entries, problems};
  for (const Entry& e : entries) mapper.map(e, cs);
  if (problems.any()) return unexpected(std::move(problems).error());
  if (patient && !patient->entry) {
    cs.subject = model::SubjectReference{patient->id, patient->identifier};
  }
  return cs;
}

Expected<model::ChangeSet, MapError> map_interaction_json(std::string_view raw) {
  auto in = parse_interaction(raw);
  if (!in) return unexpected(MapError{MapErrorKind::kInvalid, std::move(in).error()});
  return map_interaction(*in);
}

}  // namespace medgw::fhir

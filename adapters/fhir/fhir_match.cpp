// Patient/$match (http://hl7.org/fhir/R4/patient-operation-match.html): the golden patients the
// patient index grades certain or probable for a Patient the client describes, best first, each
// with search.score and the match-grade extension (mappings/mpi/patient_match.hpp decides both).
// A read: the token needs read access to Patient (as a search does), nothing is queued or linked,
// and the answer is audited like a search (action "match", the patients returned). The queried
// Patient is read by the same mapping as a created one (mappings/fhir: R4 structure validated),
// never stored and never logged.
#include <algorithm>

#include "adapters/fhir/fhir_api_impl.hpp"
#include "adapters/fhir/match_request.hpp"
#include "mappings/fhir/map_interaction.hpp"
#include "mappings/fhir/operation_outcome.hpp"

namespace medgw::fhir {
namespace {

// A Patient's identifiers compared one query each: more than any real patient carries is refused.
constexpr std::size_t kMaxMatchIdentifiers = 32;

// The request key the mapping names a Patient without identifiers by: the identifier it adds for
// it is not the client's and is dropped again.
constexpr std::string_view kMatchKey = "patient-match";

const char* grade_code(mpi::MatchGrade grade) {
  switch (grade) {
    case mpi::MatchGrade::kCertain:
      return "certain";
    case mpi::MatchGrade::kProbable:
      return "probable";
    case mpi::MatchGrade::kNonMatch:
      break;
  }
  return "certainly-not";
}

}  // namespace

HttpResponse FhirApi::Impl::match(const HttpRequest& req, const Principal& who, const std::string& base,
                                  const RequestBody& body) {
  auto request = parse_match_request(body.json);
  if (!request) {
    return outcome_response(400, issue_code::kInvalid, request.error().message, request.error().expression);
  }
  Interaction in;
  in.kind = InteractionKind::kCreate;
  in.client = who.client;
  in.type = "Patient";
  in.key = std::string(kMatchKey);
  in.body = std::move(request->patient_json);
  auto mapped = map_interaction(in);
  if (!mapped) {
    // Not FHIR (unknown elements, wrong types): 400; FHIR medgw cannot take: 422. Expressions
    // name the Patient as the mapping saw it ("Patient.birthDate").
    unsigned status = 422;
    for (const auto& i : mapped.error().issues) {
      if (i.code == issue_code::kStructure && mapped.error().kind == MapErrorKind::kInvalid) status = 400;
    }
    return outcome_response(status, mapped.error().issues);
  }
  if (!mapped->patient) {
    return outcome_response(400, issue_code::kInvalid, "parameter 'resource' must be a Patient", "resource");
  }
  model::Patient& patient = mapped->patient->patient;
  std::erase_if(patient.identifier, [](const model::Identifier& id) {
    return id.system == kGeneratedIdentifierSystem && id.value == "urn:uuid:" + std::string(kMatchKey);
  });
  if (patient.identifier.size() > kMaxMatchIdentifiers) {
    return outcome_response(
        400, issue_code::kTooCostly,
        "the Patient has more than " + std::to_string(kMaxMatchIdentifiers) + " identifiers to match on",
        "Patient.identifier");
  }
  crmstore::PatientMatchOptions options;
  options.only_certain = request->only_certain;
  options.count = request->count;
  auto answer = reader.match(patient, options);
  if (!answer) {
    if (answer.error().kind == crmstore::ArchiveErrorKind::kInvalidRequest) {
      audit(who, "match", "Patient", {}, req, 422);
      return outcome_response(422, issue_code::kInvalid, answer.error().message, "Patient");
    }
    return archive_error_response(answer.error());
  }
  std::vector<BundleEntry> entries;
  std::vector<std::int64_t> goldens;
  for (const auto& m : answer->matches) {
    BundleEntry e;
    e.resource = &m.patient;
    e.search_mode = "match";
    e.search_score = m.score;
    e.match_grade = grade_code(m.grade);
    entries.push_back(std::move(e));
    goldens.push_back(m.patient.golden);
  }
  const auto total = static_cast<std::int64_t>(entries.size());
  if (answer->ambiguous) {
    // R4: with onlyCertainMatches, several potential matches are not returned. Said in the
    // Bundle (an OperationOutcome entry, search.mode outcome), since "no match" is not the truth.
    BundleEntry e;
    e.search_mode = "outcome";
    e.inline_resource = operation_outcome_json(
        {Issue{Severity::kWarning,
               "multiple-matches",
               {},
               "more than one patient matches with certainty, so none is returned with onlyCertainMatches=true; "
               "ask without it to see them graded"}});
    entries.push_back(std::move(e));
  }
  audit(who, "match", "Patient", goldens, req, 200);
  return json_response(200, bundle_json("searchset", entries, base, {base + "/Patient/$match", {}}, total));
}

}  // namespace medgw::fhir

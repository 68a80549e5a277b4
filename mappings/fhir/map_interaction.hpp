#pragma once
// A FHIR API write (interaction.hpp) -> the ChangeSet the CRM store applies.
//
// Pure and deterministic: the FHIR server calls it before enqueueing, to answer 4xx at once, and
// the pipeline calls it again on the envelope; both must reach the same answer.
//
//   sender              "FHIR^<client>"
//   message_type        "FHIR <interaction> <type>"  ("FHIR create Observation", "FHIR transaction Bundle")
//   message_control_id  the request key
//   keys, targets       entries.hpp
//   patient / subject   subject.hpp: a Patient written by the request is ChangeSet.patient (one at
//                       most); otherwise the one patient every resource's subject names is
//                       ChangeSet.subject; the model's subject references are left empty (the
//                       store fills them)
//   fhir_json           each resource as received minus id and meta, with urn:uuid references to
//                       other entries rewritten to "<Type>/<key>" ("<Type>/<id>" for a PUT entry)
//                       both there and in the model
// A Patient with no identifier with a value gets one, so the patient index has a source-record key
// (mpi::source_key): system "urn:ietf:rfc:3986", value "urn:uuid:<request key>" (a request writes
// at most one Patient, so the request key names it). The stored Patient carries it, so a client
// that reads, edits and PUTs the Patient back keeps it; a PUT of a Patient with no identifier at
// all gets a new one, and the store keeps the record addressed by its id (UpdateTarget).
//
// Not supported yet (kUnsupported): conditional create/update (If-None-Exist, a search URL),
// DELETE, PATCH and reads inside a transaction, resource types outside the canonical model, and
// batches (the server splits a batch into one interaction per entry). Refused as
// invalid: a subject that is absent, display-only, absolute (https://other/Patient/1) or not a
// Patient, and a transaction about more than one patient.
//
// Bodies: FHIR JSON, or FHIR XML (body_content_type application/fhir+xml, application/xml,
// text/xml), converted to its JSON form first (xml_to_json.hpp) and then taken exactly like JSON;
// a body that is not FHIR XML medgw can read is kInvalid, one naming a type without a table
// kUnsupported.
//
// Errors: the body is validated first (validate.hpp) and any error refuses the request
// (kInvalid); a resource type, method or conditional interaction medgw does not take is
// kUnsupported.
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/interaction.hpp"
#include "mappings/fhir/map_error.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::fhir {

inline constexpr std::string_view kGeneratedIdentifierSystem = "urn:ietf:rfc:3986";

Expected<model::ChangeSet, MapError> map_interaction(const Interaction& interaction);

// parse_interaction (a malformed record is kInvalid) then map_interaction.
Expected<model::ChangeSet, MapError> map_interaction_json(std::string_view raw);

}  // namespace medgw::fhir

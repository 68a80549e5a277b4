#pragma once
// One resource read from an upstream FHIR server -> the envelope the queue stores, in the form the
// pipeline already maps: a FHIR "create" Interaction (mappings/fhir/interaction.hpp) whose client
// is the upstream's name, so its source records are "FHIR^<upstream>" like an API client's.
//
// Identity. The upstream's ids are its own, not medgw's: "Patient/123" on the LIS is not medgw's
// golden patient 123. So:
// - the Interaction key (the business key of the resource in the archive, per sender and type) is
//   the upstream id. A second version of Observation/17 upserts the row the first made (same
//   sender, type and key) instead of adding a copy, and a reference "Observation/17" from another
//   resource of the same upstream resolves to that row (the store resolves "<Type>/<key>" for the
//   sender's own rows, change_set_writer.hpp);
// - a Patient gets one more identifier, first, typed PI (so it is the source record's key,
//   mpi::source_key): system kUpstreamPatientSystemPrefix + "<upstream>", value its id. The record
//   stays the same source record across versions even when the upstream changes the MRN;
// - a resource's `subject` "Patient/<id>" (relative, versioned, or absolute under the upstream's
//   base URL) becomes the logical reference {"identifier": {that system, <id>}}, which the store
//   resolves to that record's golden patient. Any other subject is left as sent; the mapping
//   refuses what it cannot take (an absolute URL elsewhere, a Group), and that is parked with its
//   reason.
// The body is otherwise the resource as the upstream sent it (id and meta included: they say which
// upstream version the envelope is; the mapping drops them), every number's text kept.
//
// Keys of the envelope:
//   dedupe_key    "<upstream>|<Type>/<id>/_history/<versionId, else meta.lastUpdated>": a version
//                 read twice (a re-poll after a crash, a tie group read again) is stored once
//   ordering_key  "FHIR^<upstream>|Patient/<patient id>": a patient's record and everything about
//                 them apply in the order polled, so the Patient (polled first, or fetched by
//                 the poller before its first resource) is in the archive before its results.
//                 A subject by identifier: "FHIR^<upstream>|<system>|<value>"; none: the resource.
//
// Not rewritten (yet): references to the upstream's Patients other than `subject` (a performer),
// and references to other resources the upstream has not sent yet (kept as sent by the store).
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/fhir/poll_bundle.hpp"
#include "gateway/core/envelope.hpp"

namespace medgw::fhir {

inline constexpr std::string_view kUpstreamPatientSystemPrefix = "urn:medgw:fhir-source:";

// "urn:medgw:fhir-source:<upstream>:Patient"
std::string upstream_patient_system(std::string_view upstream);

struct PolledResource {
  Envelope envelope;
  std::string patient_id;  // the upstream id of the Patient it concerns; empty when none
};

// `base_url` without a trailing slash ("https://lis.example/fhir").
PolledResource polled_envelope(std::string_view upstream, std::string_view base_url, const JsonDocument& doc,
                               const PolledEntry& entry, std::int64_t now_ms);

// The upstream Patient id of a reference: "Patient/7", "Patient/7/_history/2", "<base>/Patient/7";
// empty for anything else.
std::string upstream_patient_id(std::string_view reference, std::string_view base_url);

}  // namespace medgw::fhir

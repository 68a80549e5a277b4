#pragma once
// A FHIR write on its way into the archive: stored as one envelope in the durable queue (raw
// first: the request body as received, with what the mapping needs from the request), then
// awaited until the pipeline has applied it to the CRM store, so the client's 201 means "in the
// archive" and a read right after finds it. The same path as an HL7 v2 message: the pipeline maps
// the envelope again (mappings/fhir), resolves the patient and applies it.
//
// When the wait runs out (a slow store, a pipeline turned off, the gateway stopping) the write is
// still durable and will be applied: the client is told 202 Accepted, never an error that would
// make it send again.
#include <chrono>
#include <cstdint>
#include <string>

#include "gateway/core/queue.hpp"
#include "gateway/pipeline/apply_notifier.hpp"
#include "mappings/fhir/interaction.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::fhir {

struct IngestOutcome {
  enum class Kind {
    kApplied,     // in the archive
    kAccepted,    // durable, not applied within the wait
    kRefused,     // parked by the pipeline: `code` (crmstore::kRefused*, or a mapping failure kind)
    kNotStored,   // the queue could not store it: nothing happened, the client may retry
  };
  Kind kind = Kind::kApplied;
  std::uint64_t envelope_id = 0;
  std::string code;
  std::string reason;  // never PHI
};

class FhirIngest {
 public:
  // `notifier` null: the pipeline is off; every stored write is kAccepted.
  FhirIngest(Queue& queue, pipeline::ApplyNotifier* notifier, std::string source, std::chrono::milliseconds apply_wait)
      : queue_(queue), notifier_(notifier), source_(std::move(source)), apply_wait_(apply_wait) {}

  // `mapped` is the change set the request maps to (checked by the caller): its patient gives the
  // envelope's ordering key, so one patient's writes apply in order.
  IngestOutcome submit(const Interaction& interaction, const model::ChangeSet& mapped);

 private:
  Queue& queue_;
  pipeline::ApplyNotifier* notifier_;
  std::string source_;
  std::chrono::milliseconds apply_wait_;
};

// The ordering key of a change set: its sender and the patient it concerns (the source record key
// of a carried patient, or the referenced patient), so writes about one patient stay in order.
std::string ordering_key_of(const model::ChangeSet& changes);

}  // namespace medgw::fhir

#include "adapters/fhir/ingest.hpp"

#include <future>

#include "mappings/mpi/identity.hpp"

namespace medgw::fhir {

std::string ordering_key_of(const model::ChangeSet& changes) {
  std::string key = changes.sender + "|";
  if (changes.patient) {
    if (auto k = mpi::source_key(changes.patient->patient.identifier)) return key + k->system + "|" + k->value;
    return key + changes.patient->target.id;
  }
  if (changes.subject) {
    if (!changes.subject->patient_id.empty()) return key + "Patient/" + changes.subject->patient_id;
    if (changes.subject->identifier) {
      return key + changes.subject->identifier->system + "|" + changes.subject->identifier->value;
    }
  }
  return key + changes.message_control_id;
}

IngestOutcome FhirIngest::submit(const Interaction& interaction, const model::ChangeSet& mapped) {
  Envelope envelope;
  envelope.source = source_;
  envelope.received_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  envelope.content_type = kContentTypeFhirInteraction;
  envelope.raw = interaction_json(interaction);
  envelope.ordering_key = ordering_key_of(mapped);
  // FHIR has no message control id: every request is new (a conditional create is how a client
  // avoids doubles), so no dedupe key.
  std::promise<AppendResult> appended;
  auto result = appended.get_future();
  queue_.append(std::move(envelope), [&appended](AppendResult r) { appended.set_value(std::move(r)); });
  const AppendResult stored = result.get();
  IngestOutcome out;
  if (stored.error) {
    out.kind = IngestOutcome::Kind::kNotStored;
    out.reason = "the queue could not store the request: " + stored.error.message();
    return out;
  }
  out.envelope_id = stored.id;
  if (notifier_ == nullptr) {
    out.kind = IngestOutcome::Kind::kAccepted;
    return out;
  }
  auto applied = notifier_->wait(stored.id, apply_wait_);
  if (!applied) {
    out.kind = IngestOutcome::Kind::kAccepted;
    return out;
  }
  switch (applied->kind) {
    case pipeline::ApplyOutcome::Kind::kApplied:
    case pipeline::ApplyOutcome::Kind::kAlreadyApplied:
      out.kind = IngestOutcome::Kind::kApplied;
      break;
    case pipeline::ApplyOutcome::Kind::kParked:
      out.kind = IngestOutcome::Kind::kRefused;
      out.code = applied->code;
      out.reason = applied->reason;
      break;
  }
  return out;
}

}  // namespace medgw::fhir

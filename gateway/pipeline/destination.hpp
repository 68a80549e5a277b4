#pragma once
// A destination beyond the CRM store: where a batch's change sets go once the store has committed
// them (the FHIR destination sends them to an external FHIR server as transaction Bundles, for
// CRMs that take FHIR instead of reading the store).
//
// Contract with the pipeline (pipeline.hpp): deliver() is called on the writer thread with the
// change sets the store applied (or recognised as already applied: a redelivery after a failed
// delivery must reach the destination again), and answers each one. Delivered: the envelope is
// acked. Retry (the destination is down, busy, timed out): nacked, so the queue backs off with
// full jitter and delivers it again, when the store answers "already applied" and the destination
// gets it again — so a destination must be idempotent. Permanent (the destination refuses it):
// parked with the reason, replayable after a fix, like any refusal. Reasons name statuses and
// codes, never patient data.
#include <string>
#include <string_view>
#include <vector>

#include "mappings/model/change_set.hpp"

namespace medgw::pipeline {

struct DeliveryResult {
  enum class Kind { kDelivered, kRetry, kPermanent };
  Kind kind = Kind::kDelivered;
  std::string reason;
};

class Destination {
 public:
  virtual ~Destination() = default;
  virtual std::string_view name() const = 0;
  // results[i] answers changes[i]; blocking (the writer thread waits), bounded by the
  // destination's own deadlines.
  virtual std::vector<DeliveryResult> deliver(const std::vector<const model::ChangeSet*>& changes) = 0;
};

}  // namespace medgw::pipeline

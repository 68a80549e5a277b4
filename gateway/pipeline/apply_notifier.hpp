#pragma once
// Tells a waiting request what became of its envelope: applied to the CRM store, or parked (with
// the store's refusal code). The FHIR API answers a write only when the resource is in the
// archive, so a client can read what it just wrote; an MLLP sender needs no such wait (its ACK
// follows the durable commit alone).
//
// The pipeline publishes every outcome; a waiter may register after its envelope was applied
// (the pipeline can be faster than the request thread), so the most recent outcomes are kept in
// a bounded ring and looked up first.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace medgw::pipeline {

struct ApplyOutcome {
  enum class Kind { kApplied, kAlreadyApplied, kParked };
  Kind kind = Kind::kApplied;
  std::string code;    // for kParked: crmstore::kRefused* or the mapping failure kind
  std::string reason;  // for kParked: the park reason (never PHI)
};

class ApplyNotifier {
 public:
  explicit ApplyNotifier(std::size_t remembered = 65536) : capacity_(remembered) {}

  void publish(std::uint64_t envelope_id, ApplyOutcome outcome);
  // The outcome of `envelope_id`, waiting up to `timeout`; nullopt on timeout or after shutdown().
  std::optional<ApplyOutcome> wait(std::uint64_t envelope_id, std::chrono::milliseconds timeout);
  // Wakes every waiter (they get nullopt) and makes later waits return at once: the gateway is
  // stopping and will not apply more before it exits.
  void shutdown();

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::size_t capacity_;
  std::unordered_map<std::uint64_t, ApplyOutcome> outcomes_;
  std::deque<std::uint64_t> order_;  // oldest first, to forget beyond capacity_
  bool shutdown_ = false;
};

}  // namespace medgw::pipeline

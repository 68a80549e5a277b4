#pragma once
// The durable queue every source appends to and every pipeline worker leases from.
//
// Contract (DESIGN.md, "The path of one message"):
// - append completes only after the envelope is on disk (fsync'd); an acknowledgement to the
//   sender may be sent from the completion, never before it. Completions run on the queue's own
//   thread: post them to the caller's executor.
// - a dedupe key seen within the retention window completes as a duplicate with the original
//   envelope's id and acknowledgement, and is not stored twice.
// - lease hands out, per ordering key, only the oldest undelivered envelope, so a key is processed
//   in order; other keys are not held up by it.
// - nack schedules a retry with exponential backoff and full jitter, parking after max attempts;
//   park sets the envelope aside with a reason; replay puts a parked envelope back.
//
// The interface admits a Kafka implementation (append -> produce acks=all, lease -> partition
// assignment, ack -> commit offset); RocksDB is the embedded one (queue/).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gateway/core/envelope.hpp"

namespace medgw {

struct AppendResult {
  std::error_code error;  // set when the envelope is NOT stored; the sender must not be acked
  std::uint64_t id = 0;   // the stored (or, for a duplicate, the original) envelope's id
  bool duplicate = false;
  std::string ack;  // for a duplicate: the acknowledgement sent the first time
};

using AppendCallback = std::function<void(AppendResult)>;

// What a polling source (an upstream FHIR server, a database table) stores in one go: the
// envelopes of one poll and the checkpoint (watermark) they bring the source to. Both are written
// in one synced write, so after a crash the checkpoint is never ahead of what was stored (nothing
// skipped) nor behind it by more than what the dedupe keys recognise (nothing doubled).
struct SourceBatch {
  std::string checkpoint_name;  // one per source and stream, e.g. "fhir-poll/lab/Observation"
  std::string checkpoint;       // opaque to the queue; read back by checkpoint()
  std::vector<Envelope> envelopes;
};

// results[i] answers envelopes[i] (duplicates included); `error` set: nothing was stored, the
// checkpoint did not move, and results is empty.
using BatchCallback = std::function<void(std::error_code error, std::vector<AppendResult> results)>;

enum class EnvelopeStatus : std::uint8_t {
  kReady = 1,      // waiting to be leased (or waiting out a retry backoff)
  kLeased = 2,     // a worker holds it (in memory only: after a restart it is ready again)
  kDelivered = 3,  // acked: kept for the message browser until retention removes it
  kParked = 4,     // set aside with a reason; replayable
  kRejected = 5,   // refused at the door (unparseable); kept, never processed
};

const char* to_string(EnvelopeStatus status);

struct EnvelopeState {
  EnvelopeStatus status = EnvelopeStatus::kReady;
  std::uint32_t attempts = 0;
  std::int64_t not_before_ms = 0;  // retry backoff: not leased before this time
  std::string reason;              // last error, park or reject reason
};

struct Lease {
  Envelope envelope;
  std::uint32_t attempt = 0;  // 1 on first delivery
};

struct QueueStats {
  std::uint64_t appended = 0;    // envelopes stored by append since the queue was created
  std::uint64_t duplicates = 0;  // appends answered as duplicates (not stored)
  std::uint64_t rejected = 0;    // envelopes stored by append_rejected
  std::uint64_t delivered = 0;
  std::uint64_t parked = 0;           // currently parked
  std::uint64_t depth = 0;            // undelivered: ready + leased + parked
  std::uint64_t fsyncs = 0;           // synced group commits of appends since open
  std::uint64_t fsynced_appends = 0;  // appends (and rejected) covered by them: /fsyncs = per fsync
  std::uint64_t state_writes = 0;     // synced writes of ack/nack/park/replay since open
};

class Queue {
 public:
  virtual ~Queue() = default;

  // Stores `envelope` durably and then calls `done` (on the queue's thread).
  virtual void append(Envelope envelope, AppendCallback done) = 0;
  // Stores an envelope refused at the door, for the message browser; never leased.
  virtual void append_rejected(Envelope envelope, std::string reason, AppendCallback done) = 0;
  // Stores a poll's envelopes and its checkpoint atomically, then calls `done` (queue's thread).
  virtual void append_batch(SourceBatch batch, BatchCallback done) = 0;
  // The last checkpoint stored under `name`; nullopt when none was.
  virtual std::optional<std::string> checkpoint(const std::string& name) = 0;

  // The oldest ready envelope of some ordering key whose head it is; nullopt when none is ready.
  virtual std::optional<Lease> lease() = 0;
  // Delivered: done with it.
  virtual std::error_code ack(std::uint64_t id) = 0;
  // Delivered, for a batch the destination committed together: one synced write for all of them.
  // results[i] answers ids[i]; an id that is not leased gets kWrongState and the rest still commit.
  virtual std::vector<std::error_code> ack_all(const std::vector<std::uint64_t>& ids) = 0;
  // Failed: retry later (retryable) or park now (permanent, or attempts exhausted).
  virtual std::error_code nack(std::uint64_t id, std::string reason, bool retryable) = 0;
  virtual std::error_code park(std::uint64_t id, std::string reason) = 0;
  // Puts a parked envelope back in its ordering key, ready, with its attempts reset.
  virtual std::error_code replay(std::uint64_t id) = 0;

  virtual std::optional<Envelope> get(std::uint64_t id) = 0;
  virtual std::optional<EnvelopeState> state(std::uint64_t id) = 0;
  // Ids by status, oldest first, at most `limit`.
  virtual std::vector<std::uint64_t> list(EnvelopeStatus status, std::size_t limit) = 0;

  virtual QueueStats stats() const = 0;
};

using QueuePtr = std::unique_ptr<Queue>;

}  // namespace medgw

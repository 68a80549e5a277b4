#pragma once
// The embedded durable queue: medgw::Queue on RocksDB.
//
// Durability. append() hands the envelope to a committer thread, which writes every append that
// arrived since its previous write (bounded by max_batch / max_batch_bytes) in ONE WriteBatch with
// WriteOptions::sync = true, then runs the callbacks: one fsync covers the whole group, and a
// callback never reports an envelope stored before that fsync. The WAL is never disabled. Lease
// state changes (ack, nack, park, replay) are synced writes too; concurrent ones are grouped into
// one WAL sync by RocksDB's own write group.
//
// Column families (keys in key_codec.hpp, values in record_codec.hpp, each value versioned and
// CRC32C-checked):
//   envelopes    id -> the envelope as appended (immutable; raw first, map later)
//   states       id -> status, attempts, not_before, reason (rewritten on every transition)
//   order        ordering key + id -> "" for every undelivered envelope (ready or parked); the
//                source of the in-memory schedule at open
//   terminal     status + id -> "" for delivered and rejected envelopes: list() reads it with
//                iterator bounds instead of scanning the states
//   dedupe       dedupe key -> original id, time, ack; dedupe_time: time + dedupe key (expiry)
//   meta         format version, last id, polling sources' checkpoints (append_batch: written in
//                the same WriteBatch as the envelopes they cover), and counters kept with a merge operator (+n deltas
//                in the same WriteBatch as the change they count), so reopening reads four keys instead of scanning
//
// Ids are max(last + 1, now_ms << 16): monotonic, and ordered by time, so retention can remove
// "everything older than N days" as id ranges (DeleteRange), stepping around the ids of envelopes
// still undelivered.
//
// In memory: the schedule (schedule.hpp), every undelivered envelope's id, key, status, attempts
// and not_before, rebuilt at open by one pass over the order index (undelivered only: delivered
// history is never read at open) plus a MultiGet of their states. Leases are memory only: after a
// crash an envelope leased but not acked is simply ready again, with its attempts unchanged.
// Appends become leasable only after their write is synced.
//
// Deduplication is decided on the committer thread, the only writer of the dedupe family, so two
// appends of one dedupe key can never both be stored, within a batch or across batches. Rejected
// envelopes (append_rejected) are neither deduplicated nor recorded for dedupe: a sender that
// fixes a message and re-sends the same control id must not be told "duplicate".
//
// Threads: append() from any thread; lease/ack/nack/park/replay/get/state/list/stats from any
// thread. A mutex guards the schedule; the synced write of an ack or nack happens outside it (the
// envelope is marked busy meanwhile), so workers' writes overlap and share fsyncs. Callbacks run
// on the committer thread and must not block it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gateway/core/expected.hpp"
#include "gateway/core/queue.hpp"
#include "queue/rocksdb_queue_options.hpp"

namespace medgw::queue {

struct RetentionReport {
  std::uint64_t cutoff_id = 0;       // ids below this are past retention
  std::uint64_t removed_below = 0;   // terminal envelopes below this id are now removed
  std::size_t ranges = 0;            // DeleteRange calls per id-keyed family
  std::uint64_t dedupe_expired = 0;  // dedupe entries removed
};

class RocksDbQueue final : public Queue {
 public:
  // Opens (or creates) the queue at options.path and rebuilds the schedule. The error says what
  // failed, for the operator.
  static Expected<std::unique_ptr<RocksDbQueue>, std::string> open(RocksDbQueueOptions options);

  RocksDbQueue(const RocksDbQueue&) = delete;
  RocksDbQueue& operator=(const RocksDbQueue&) = delete;
  ~RocksDbQueue() override;  // close()

  // Commits the appends already handed over (their callbacks run), stops the committer and closes
  // the database. Later calls fail with QueueErrc::kClosed; appends complete at once with it.
  // Idempotent.
  void close();

  // For crash tests: stops like a killed process would. Appends not yet written are dropped and
  // their callbacks never run; leases are forgotten; nothing is flushed (the WAL is what reopening
  // recovers from).
  void simulate_crash();

  // Removes delivered and rejected envelopes older than options.retention (never an undelivered
  // one) and dedupe entries older than options.dedupe_window. Safe to run while the queue works;
  // appends wait for it only briefly (it releases the committer between chunks of dedupe work).
  Expected<RetentionReport, std::error_code> run_retention();

  // When lease() may next return something: now (clock value or less) when a head is ready, the
  // earliest end of a backoff otherwise, nullopt when nothing is waiting. For worker sleeps.
  std::optional<std::int64_t> next_ready_at_ms() const;

  void append(Envelope envelope, AppendCallback done) override;
  void append_rejected(Envelope envelope, std::string reason, AppendCallback done) override;
  void append_batch(SourceBatch batch, BatchCallback done) override;
  std::optional<std::string> checkpoint(const std::string& name) override;
  std::optional<Lease> lease() override;
  std::error_code ack(std::uint64_t id) override;
  std::vector<std::error_code> ack_all(const std::vector<std::uint64_t>& ids) override;
  std::error_code nack(std::uint64_t id, std::string reason, bool retryable) override;
  std::error_code park(std::uint64_t id, std::string reason) override;
  std::error_code replay(std::uint64_t id) override;
  std::optional<Envelope> get(std::uint64_t id) override;
  std::optional<EnvelopeState> state(std::uint64_t id) override;
  std::vector<std::uint64_t> list(EnvelopeStatus status, std::size_t limit) override;
  QueueStats stats() const override;

 private:
  struct Impl;
  explicit RocksDbQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medgw::queue

#pragma once
// The pipeline workers (DESIGN.md, "The path of one message", steps 4 and 5): lease envelopes per
// ordering key, map them (in parallel, on `workers` threads), and hand the change sets to the CRM
// store in batches, one transaction each; then ack the batch in the queue with one synced write.
//
// Why this shape: mapping is CPU work that parallelises; the store wants few, large transactions
// (one fsync per batch, not per message). The queue leases only the head of each ordering key and
// a lease is acked only after its change set is committed, so a patient's messages apply in order
// however many workers run.
//
// Failures: a message that cannot be decoded or mapped is parked with its reason (unsupported
// types too: kept, shown, replayable once a mapping exists); a change set the store refuses is
// parked; a store error (busy, I/O) nacks the batch for a retry with backoff. A crash between the
// store's commit and the queue's ack redelivers the batch, which the store answers "already
// applied" (idempotent by envelope id): nothing is written twice.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/crmstore/crm_store.hpp"
#include "gateway/core/queue.hpp"
#include "gateway/pipeline/apply_notifier.hpp"
#include "gateway/pipeline/destination.hpp"
#include "gateway/pipeline/message_mapper.hpp"

namespace medgw::pipeline {

struct PipelineConfig {
  unsigned workers = 2;                     // mapping threads
  std::size_t batch_max = 256;              // change sets per store transaction
  std::chrono::milliseconds idle_poll{20};  // how long a worker sleeps when nothing is ready
};

struct PipelineCounters {
  std::atomic<std::uint64_t> leased{0};
  std::atomic<std::uint64_t> applied{0};           // change sets written to the store
  std::atomic<std::uint64_t> already_applied{0};   // redeliveries the store recognised
  std::atomic<std::uint64_t> parked{0};            // mapping failures and refused change sets
  std::atomic<std::uint64_t> retried{0};           // nacked after a store error
  std::atomic<std::uint64_t> batches{0};           // store transactions
  std::atomic<std::uint64_t> delivered{0};         // change sets a destination took
  std::atomic<std::uint64_t> delivery_retries{0};  // nacked because a destination failed
};

class Pipeline {
 public:
  // `notifier` (may be null) hears every envelope's outcome: the FHIR API waits on it.
  // `destination` (may be null): where committed change sets go next (destination.hpp); an
  // envelope is acked only once it took them.
  Pipeline(Queue& queue, crmstore::CrmStore& store, const MessageMapper& mapper, PipelineConfig config,
           ApplyNotifier* notifier = nullptr, Destination* destination = nullptr);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();
  // Stops leasing, applies and acks what is already mapped, and joins the threads. Leases not yet
  // mapped stay leased until the queue closes; after a restart they are ready again.
  void stop();

  const PipelineCounters& counters() const { return counters_; }

 private:
  struct Mapped {
    std::uint64_t id;
    model::ChangeSet changes;
  };

  void run_worker();
  void run_writer();
  void write_batch(std::vector<Mapped>& batch);
  void deliver(std::vector<Mapped>& batch, const std::vector<std::size_t>& indexes, std::vector<std::uint64_t>& done);
  void park(std::uint64_t id, const std::string& reason, std::string_view code);

  Queue& queue_;
  crmstore::CrmStore& store_;
  const MessageMapper& mapper_;
  PipelineConfig config_;
  ApplyNotifier* notifier_;
  Destination* destination_;
  PipelineCounters counters_;

  std::mutex mu_;
  std::condition_variable wake_workers_;  // stop requested
  std::condition_variable mapped_ready_;  // the writer has work, or workers finished
  std::condition_variable mapped_room_;   // workers may push again
  std::deque<Mapped> mapped_;
  bool stopping_ = false;
  unsigned workers_running_ = 0;

  std::vector<std::thread> workers_;
  std::thread writer_;
};

}  // namespace medgw::pipeline

#include "gateway/runtime/open_queue.hpp"

#include "gateway/core/log.hpp"
#include "queue/rocksdb_queue.hpp"

namespace medgw::runtime {

Expected<std::unique_ptr<Queue>, std::string> open_queue(const config::QueueConfig& c) {
  queue::RocksDbQueueOptions o;
  o.path = c.path;
  o.max_batch = c.max_batch;
  o.max_batch_wait = c.max_batch_wait;
  o.max_attempts = c.max_attempts;
  o.backoff_base = c.backoff_base;
  o.backoff_max = c.backoff_max;
  o.park_policy = c.park_blocks_key ? queue::ParkPolicy::kBlockKey : queue::ParkPolicy::kSkip;
  o.dedupe_window = c.dedupe_window;
  o.retention = c.retention;
  auto q = queue::RocksDbQueue::open(std::move(o));
  if (!q) return unexpected(q.error());
  return std::unique_ptr<Queue>(std::move(*q));
}

void run_retention(Queue& q) {
  if (auto* rocks = dynamic_cast<queue::RocksDbQueue*>(&q)) {
    auto report = rocks->run_retention();
    if (!report) log::error("queue.retention_failed", {{"error", report.error().message()}});
  }
}

void close_queue(Queue& q) {
  if (auto* rocks = dynamic_cast<queue::RocksDbQueue*>(&q)) rocks->close();
}

}  // namespace medgw::runtime

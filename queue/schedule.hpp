#pragma once
// The in-memory scheduling index of the RocksDB queue: every undelivered envelope (ready, leased,
// parked) by id and by ordering key, and which key heads may be leased now. It holds ids and
// small counters, never payloads (~100 bytes per undelivered envelope), and is rebuilt at open
// from the order index, so it is never persisted itself. Not thread-safe: the queue guards it.
//
// Rules it enforces:
// - at most one envelope per ordering key is leased at a time, and it is the key's head: its
//   oldest undelivered envelope (kBlockKey) or its oldest one that is not parked (kSkip);
// - with kBlockKey, a parked envelope holds back the envelopes of its key that come after it, and
//   only those; with kSkip the key flows past it (replayed, it becomes the key's head again);
// - ready heads go out oldest id first across keys; a head in backoff waits for not_before.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateway/core/queue.hpp"
#include "queue/rocksdb_queue_options.hpp"

namespace medgw::queue {

struct ScheduledItem {
  EnvelopeStatus status = EnvelopeStatus::kReady;  // kReady, kLeased or kParked
  std::uint32_t attempts = 0;
  std::int64_t not_before_ms = 0;
};

class Schedule {
 public:
  explicit Schedule(ParkPolicy policy) : policy_(policy) {}
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;

  // An undelivered envelope joins its key: `status` is kReady or kParked.
  void add(std::uint64_t id, std::string_view ordering_key, const ScheduledItem& item);

  const ScheduledItem* find(std::uint64_t id) const;
  std::string_view ordering_key_of(std::uint64_t id) const;

  // Leases the oldest ready head whose backoff is over at `now_ms`.
  std::optional<std::uint64_t> lease(std::int64_t now_ms);
  // Leased -> ready, to be leased again not before `not_before_ms`.
  void retry(std::uint64_t id, std::uint32_t attempts, std::int64_t not_before_ms);
  // Leased or ready -> parked.
  void park(std::uint64_t id, std::uint32_t attempts);
  // Parked -> ready, attempts reset.
  void replay(std::uint64_t id);
  // Leased -> delivered: it leaves the index.
  void remove(std::uint64_t id);

  std::size_t size() const { return items_.size(); }
  std::size_t parked() const { return parked_; }
  std::size_t leased() const { return leased_; }
  std::size_t keys() const { return keys_.size(); }

  // Ids with `status` (kReady, kLeased or kParked), oldest first.
  std::vector<std::uint64_t> list(EnvelopeStatus status, std::size_t limit) const;
  // Undelivered ids below `bound`, oldest first, at most `max`.
  std::vector<std::uint64_t> ids_below(std::uint64_t bound, std::size_t max) const;
  // The earliest not_before among heads waiting out a backoff.
  std::optional<std::int64_t> next_not_before() const;

 private:
  struct KeyQueue {
    std::string key;
    std::deque<std::uint64_t> active;  // ready and leased ids, ascending
    std::set<std::uint64_t> parked;
    std::uint64_t leased = 0;     // 0: none (ids start far above 0)
    std::uint64_t scheduled = 0;  // the head in ready_ or backoff_, 0: none
    std::int64_t scheduled_not_before = 0;
  };
  struct Item {
    KeyQueue* key = nullptr;
    ScheduledItem s;
  };

  Item& item(std::uint64_t id);
  void unschedule(KeyQueue& k);
  void reschedule(KeyQueue& k);
  void erase_active(KeyQueue& k, std::uint64_t id);
  void insert_active(KeyQueue& k, std::uint64_t id);
  void drop_if_empty(KeyQueue& k);

  ParkPolicy policy_;
  std::map<std::uint64_t, Item> items_;
  std::unordered_map<std::string_view, std::unique_ptr<KeyQueue>> keys_;  // views into KeyQueue::key
  std::set<std::uint64_t> ready_;                                         // leasable heads
  std::set<std::pair<std::int64_t, std::uint64_t>> backoff_;              // heads waiting: (not_before, id)
  std::size_t parked_ = 0;
  std::size_t leased_ = 0;
};

}  // namespace medgw::queue

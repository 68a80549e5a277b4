#pragma once
// What a deployment (or a test) chooses about the RocksDB queue. The defaults suit one hospital.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rocksdb {
class Env;
}

namespace medgw::queue {

// What a parked envelope does to the later envelopes of its ordering key.
enum class ParkPolicy : std::uint8_t {
  // They wait behind it until it is replayed and delivered: per-patient order is never broken
  // (an A08 update must not overtake the A01 it updates). The default.
  kBlockKey,
  // They flow past it: the key keeps moving, at the price of order around the parked one.
  kSkip,
};

struct RocksDbQueueOptions {
  std::string path;  // a directory; created when missing

  // Group commit: the committer writes at most this many appends (and bytes of raw) in one
  // synced WriteBatch; when max_batch_wait > 0 it waits up to that long after the first append
  // for more to arrive (trading latency for fewer fsyncs). 0: write whatever arrived while the
  // previous write was syncing, which already batches under load.
  std::size_t max_batch = 4096;
  std::size_t max_batch_bytes = 16u << 20;
  std::chrono::microseconds max_batch_wait{0};

  // Retries: nack(retryable) waits a full-jitter exponential backoff; the max_attempts-th failure
  // parks the envelope.
  std::uint32_t max_attempts = 10;
  std::chrono::milliseconds backoff_base{1'000};
  std::chrono::milliseconds backoff_max{300'000};

  ParkPolicy park_policy = ParkPolicy::kBlockKey;

  // A dedupe key seen within this window is a duplicate. 0 turns deduplication off.
  std::chrono::milliseconds dedupe_window{std::chrono::hours(72)};
  // run_retention() removes delivered and rejected envelopes older than this.
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
  // At most this many undelivered envelopes older than the retention period are stepped around
  // by one run_retention() (one DeleteRange per gap between them); older ones wait for the next.
  std::size_t retention_max_gaps = 1024;

  // RocksDB memtable size per column family; all of them together are capped at 4x this. The WAL
  // is preallocated in blocks of about this size too (tests make it small: tmpfs zero-fills it).
  std::size_t write_buffer_bytes = 32u << 20;

  // WAL files get zeros written this far ahead of RocksDB's writes, so a synced write overwrites
  // data and costs a cache flush instead of a journal commit (prezeroed_wal_fs.hpp). 0: off.
  std::size_t wal_zero_ahead_bytes = 1u << 20;

  // Tests inject time (Unix ms) and the backoff RNG seed; empty: the system clock, a random seed.
  std::function<std::int64_t()> clock_ms;
  std::optional<std::uint64_t> rng_seed;
  // Tests inject storage faults through a RocksDB Env (the caller keeps it alive); null: default.
  rocksdb::Env* env = nullptr;
};

}  // namespace medgw::queue

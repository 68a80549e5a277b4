#pragma once
// Helpers of the queue tests: a temporary directory, a mock clock, synchronous appends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <random>
#include <string>

#include "gateway/core/log.hpp"
#include "queue/rocksdb_queue.hpp"

namespace medgw::queue::test {

// Warnings and errors only: every test opens a queue, and its info line is noise here.
inline const bool kQuietLogs = (log::set_level(log::Level::kWarn), true);

// A fresh directory, removed with everything in it at the end of the test. Under $TMPDIR when
// set, else /dev/shm when there is one (fsync on tmpfs is cheap, so the suite stays fast), else
// the system temp directory.
class TempDir {
 public:
  TempDir() {
    namespace fs = std::filesystem;
    fs::path base;
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
      base = t;
    } else if (std::error_code ec; fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    } else {
      base = fs::temp_directory_path();
    }
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    path_ = base / ("medgw-queue-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                    std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return (path_ / "queue").string(); }

 private:
  std::filesystem::path path_;
};

// Unix ms under the test's control, shared with the queue.
class MockClock {
 public:
  explicit MockClock(std::int64_t start_ms = 1'700'000'000'000)
      : now_(std::make_shared<std::atomic<std::int64_t>>(start_ms)) {}
  std::function<std::int64_t()> fn() const {
    return [now = now_] { return now->load(); };
  }
  std::int64_t now() const { return now_->load(); }
  void advance(std::int64_t ms) { now_->fetch_add(ms); }
  void set(std::int64_t ms) { now_->store(ms); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_;
};

inline RocksDbQueueOptions test_options(const TempDir& dir, const MockClock& clock) {
  RocksDbQueueOptions o;
  o.path = dir.path();
  o.clock_ms = clock.fn();
  o.rng_seed = 42;
  o.max_attempts = 3;
  o.backoff_base = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(1'000);
  o.dedupe_window = std::chrono::milliseconds(60'000);
  o.retention = std::chrono::milliseconds(3'600'000);
  o.write_buffer_bytes = 256u << 10;  // small WAL preallocation: fast on tmpfs
  return o;
}

inline std::unique_ptr<RocksDbQueue> open_or_fail(const RocksDbQueueOptions& o) {
  auto q = RocksDbQueue::open(o);
  if (!q) {
    ADD_FAILURE() << "open failed: " << q.error();
    return nullptr;
  }
  return std::move(q).value();
}

inline Envelope envelope(std::string ordering_key, std::string dedupe_key = {}, std::string raw = "MSH|^~\\&|X",
                         std::string ack = "MSA|AA") {
  Envelope e;
  e.source = "test";
  e.content_type = kContentTypeHl7v2;
  e.raw = std::move(raw);
  e.dedupe_key = std::move(dedupe_key);
  e.ordering_key = std::move(ordering_key);
  e.ack = std::move(ack);
  return e;
}

inline AppendResult append_sync(Queue& q, Envelope e) {
  std::promise<AppendResult> p;
  auto f = p.get_future();
  q.append(std::move(e), [&p](AppendResult r) { p.set_value(std::move(r)); });
  return f.get();
}

inline AppendResult reject_sync(Queue& q, Envelope e, std::string reason) {
  std::promise<AppendResult> p;
  auto f = p.get_future();
  q.append_rejected(std::move(e), std::move(reason), [&p](AppendResult r) { p.set_value(std::move(r)); });
  return f.get();
}

struct BatchOutcome {
  std::error_code error;
  std::vector<AppendResult> results;
};

inline BatchOutcome append_batch_sync(Queue& q, SourceBatch batch) {
  std::promise<BatchOutcome> p;
  auto f = p.get_future();
  q.append_batch(std::move(batch), [&p](std::error_code e, std::vector<AppendResult> r) {
    p.set_value(BatchOutcome{e, std::move(r)});
  });
  return f.get();
}

// Appends and returns the stored id (0 after a failure, which the test reports).
inline std::uint64_t add(Queue& q, std::string ordering_key, std::string dedupe_key = {}) {
  auto r = append_sync(q, envelope(std::move(ordering_key), std::move(dedupe_key)));
  EXPECT_FALSE(r.error) << r.error.message();
  EXPECT_FALSE(r.duplicate);
  return r.id;
}

inline std::uint64_t lease_id(Queue& q) {
  auto l = q.lease();
  return l ? l->envelope.id : 0;
}

}  // namespace medgw::queue::test

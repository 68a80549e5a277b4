// queue_append_bench: how fast the RocksDB queue stores envelopes durably.
//
// C threads each keep W appends outstanding (W = 1 is an MLLP connection waiting for its ACK)
// until N envelopes of about S bytes are stored, every one fsync'd before its callback. Prints
// appends/s, fsyncs/s, appends per fsync and the append latency (enqueue -> callback).
//
//   queue_append_bench [-n N] [-c C] [-w W] [-s BYTES] [--max-batch-wait-us US] [--max-batch M]
//                      [--wal-zero-ahead BYTES (0: off)]
//                      [--path DIR] [--keep]
//
// Without --path the queue lives in a fresh directory under $TMPDIR (or /tmp), removed afterwards.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "queue/rocksdb_queue.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::size_t n = 200'000;
  std::size_t c = 32;
  std::size_t w = 1;
  std::size_t size = 600;
  std::int64_t max_batch_wait_us = 0;
  std::size_t wal_zero_ahead = medgw::queue::RocksDbQueueOptions{}.wal_zero_ahead_bytes;
  std::size_t max_batch = 4096;
  std::string path;
  bool keep = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "queue_append_bench: %s\nusage: queue_append_bench [-n N] [-c THREADS] [-w OUTSTANDING] [-s BYTES]"
               " [--max-batch-wait-us US] [--max-batch M] [--wal-zero-ahead BYTES] [--path DIR] [--keep]\n",
               why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string opt = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(("missing value for " + opt).c_str());
      return argv[++i];
    };
    if (opt == "-n") {
      a.n = std::strtoull(value(), nullptr, 10);
    } else if (opt == "-c") {
      a.c = std::strtoull(value(), nullptr, 10);
    } else if (opt == "-w") {
      a.w = std::strtoull(value(), nullptr, 10);
    } else if (opt == "-s") {
      a.size = std::strtoull(value(), nullptr, 10);
    } else if (opt == "--max-batch-wait-us") {
      a.max_batch_wait_us = std::strtoll(value(), nullptr, 10);
    } else if (opt == "--wal-zero-ahead") {
      a.wal_zero_ahead = std::strtoull(value(), nullptr, 10);
    } else if (opt == "--max-batch") {
      a.max_batch = std::strtoull(value(), nullptr, 10);
    } else if (opt == "--path") {
      a.path = value();
    } else if (opt == "--keep") {
      a.keep = true;
    } else {
      usage(("unknown option " + opt).c_str());
    }
  }
  if (a.n == 0 || a.c == 0 || a.w == 0) usage("-n, -c and -w must be positive");
  return a;
}

// An ORU^R01 about `size` bytes long (padded in an NTE), with a unique control id.
std::string make_message(std::size_t thread, std::size_t seq, std::size_t patient, std::size_t size) {
  char head[512];
  const int n = std::snprintf(head, sizeof head,
                              "MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240510080000||ORU^R01^ORU_R01|T%zu-%zu|P|2.5.1\r"
                              "PID|1||P%07zu^^^H0001^MR||DOE^JANE||19800101|F\r"
                              "OBR|1|ORD%zu|FIL%zu|24331-1^Lipid panel^LN\r"
                              "OBX|1|NM|2093-3^Cholesterol^LN||5.2|mmol/L|3.1-5.7|N|||F\r",
                              thread, seq, patient, seq, seq);
  std::string m(head, static_cast<std::size_t>(n));
  if (m.size() + 10 < size) {
    m += "NTE|1||";
    m.append(size - m.size() - 1, 'x');
    m += '\r';
  }
  return m;
}

// A thread's appends in flight. A mutex and condition variable rather than std::counting_semaphore:
// libstdc++'s semaphore spins with sched_yield before sleeping, and 32 spinning threads would take
// the CPU the committer needs.
class Window {
 public:
  explicit Window(std::size_t size) : free_(size) {}
  void acquire() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return free_ > 0; });
    --free_;
  }
  void release() {
    std::lock_guard lk(mu_);
    ++free_;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t free_;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  namespace fs = std::filesystem;
  fs::path dir = args.path;
  const bool temporary = dir.empty();
  if (temporary) {
    const char* tmp = std::getenv("TMPDIR");
    dir = fs::path(tmp && *tmp ? tmp : "/tmp") / ("medgw-queue-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
  }

  medgw::queue::RocksDbQueueOptions options;
  options.path = dir.string();
  options.max_batch = args.max_batch;
  options.max_batch_wait = std::chrono::microseconds(args.max_batch_wait_us);
  options.wal_zero_ahead_bytes = args.wal_zero_ahead;
  auto opened = medgw::queue::RocksDbQueue::open(options);
  if (!opened) {
    std::fprintf(stderr, "queue_append_bench: %s\n", opened.error().c_str());
    return 1;
  }
  auto& queue = **opened;
  const auto before = queue.stats();

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failures{0};
  std::vector<std::vector<double>> latencies(args.c);
  // Outlive the threads: a callback may still be inside release() when its thread has finished.
  std::vector<std::unique_ptr<Window>> windows;
  for (std::size_t t = 0; t < args.c; ++t) windows.push_back(std::make_unique<Window>(args.w));
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (std::size_t t = 0; t < args.c; ++t) {
    threads.emplace_back([&, t] {
      auto& window = *windows[t];
      std::mt19937_64 rng(t);
      auto& lat = latencies[t];  // written by the committer thread only, read after the last release
      lat.reserve(args.n / args.c + 1);
      for (;;) {
        const std::size_t seq = next.fetch_add(1);
        if (seq >= args.n) break;
        window.acquire();
        medgw::Envelope e;
        e.source = "lis-oru";
        e.content_type = medgw::kContentTypeHl7v2;
        const std::size_t patient = rng() % 10'000;
        e.raw = make_message(t, seq, patient, args.size);
        e.dedupe_key = "LIS|H0001|T" + std::to_string(t) + "-" + std::to_string(seq);
        e.ordering_key = "LIS|H0001|P" + std::to_string(patient);
        e.ack = "MSH|^~\\&|MEDGW|CRM|LIS|H0001|20240510080000||ACK^R01|A" + std::to_string(seq) + "|P|2.5.1\rMSA|AA|T";
        const auto sent = Clock::now();
        queue.append(std::move(e), [&, sent](const medgw::AppendResult& r) {
          if (r.error || r.duplicate) failures.fetch_add(1);
          lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          window.release();
        });
      }
      for (std::size_t i = 0; i < args.w; ++i) window.acquire();  // the last callbacks have run
    });
  }
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const auto after = queue.stats();
  queue.close();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  const double fsyncs = static_cast<double>(after.fsyncs - before.fsyncs);
  const double appends = static_cast<double>(after.fsynced_appends - before.fsynced_appends);
  std::printf("queue_append_bench: N=%zu C=%zu W=%zu size=%zu B max_batch=%zu max_batch_wait=%lld us path=%s\n", args.n,
              args.c, args.w, args.size, args.max_batch, static_cast<long long>(args.max_batch_wait_us), dir.c_str());
  std::printf(
      "appends/s %.0f   fsyncs/s %.0f   appends per fsync %.1f   latency p50 %.3f ms  p99 %.3f ms"
      "   (%.0f appends, %.0f fsyncs, %.2f s, %zu failed)\n",
      appends / seconds, fsyncs / seconds, fsyncs > 0 ? appends / fsyncs : 0.0, percentile(all, 0.50),
      percentile(all, 0.99), appends, fsyncs, seconds, failures.load());
  if (temporary && !args.keep) fs::remove_all(dir);
  return failures.load() == 0 ? 0 : 1;
}

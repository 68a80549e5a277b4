#include "gateway/runtime/gateway.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "adapters/mllp/listener.hpp"
#include "gateway/core/backpressure.hpp"
#include "gateway/core/log.hpp"
#include "gateway/runtime/open_queue.hpp"

namespace medgw::runtime {

namespace asio = boost::asio;

namespace {

void log_stats(const Queue& queue, const std::vector<std::unique_ptr<mllp::MllpListener>>& listeners,
               const char* event) {
  QueueStats q = queue.stats();
  log::info(event, {{"queue_depth", q.depth},
                    {"appended", q.appended},
                    {"duplicates", q.duplicates},
                    {"rejected", q.rejected},
                    {"delivered", q.delivered},
                    {"parked", q.parked},
                    {"fsyncs", q.fsyncs},
                    {"messages_per_fsync", q.fsyncs ? static_cast<double>(q.fsynced_appends) / q.fsyncs : 0.0}});
  for (const auto& l : listeners) {
    const auto& c = l->counters();
    log::info("mllp.stats", {{"listener", l->config().name},
                             {"connections", c.connections.load()},
                             {"open_connections", c.open_connections.load()},
                             {"received", c.received.load()},
                             {"accepted", c.accepted.load()},
                             {"rejected", c.rejected.load()},
                             {"duplicates", c.duplicates.load()},
                             {"store_failures", c.store_failures.load()},
                             {"oversize", c.oversize.load()},
                             {"timeouts", c.timeouts.load()}});
  }
}

}  // namespace

int run_gateway(const config::GatewayConfig& cfg) {
  log::Level level = log::Level::kInfo;
  log::parse_level(cfg.log_level, level);
  log::set_level(level);

  auto queue = open_queue(cfg.queue);
  if (!queue) {
    std::cerr << "medgw serve: cannot open the queue: " << queue.error() << "\n";
    return 1;
  }
  Queue& q = **queue;
  Backpressure backpressure([&q] { return q.stats().depth; }, cfg.queue.high_watermark, cfg.queue.low_watermark);

  asio::io_context io(static_cast<int>(cfg.io_threads));
  std::vector<std::unique_ptr<mllp::MllpListener>> listeners;
  for (const auto& lc : cfg.listeners) {
    auto l = std::make_unique<mllp::MllpListener>(io, lc, q, backpressure);
    std::string why;
    if (l->start(why)) {
      std::cerr << "medgw serve: " << why << "\n";
      for (auto& started : listeners) started->stop();
      return 1;
    }
    listeners.push_back(std::move(l));
  }
  if (listeners.empty()) log::warn("gateway.no_listeners", {{"hint", "add a listeners: entry to the config"}});

  asio::steady_timer stats_timer(io);
  std::function<void()> schedule_stats = [&] {
    stats_timer.expires_after(cfg.stats_interval);
    stats_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      log_stats(q, listeners, "queue.stats");
      schedule_stats();
    });
  };
  schedule_stats();

  // Retention runs off the event loop (a range delete is quick, but it is disk I/O), one run at a
  // time, and is joined before the queue closes.
  asio::steady_timer retention_timer(io);
  std::thread retention_thread;
  std::atomic<bool> retention_running{false};
  std::function<void()> schedule_retention = [&] {
    retention_timer.expires_after(std::chrono::hours(1));
    retention_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (!retention_running.exchange(true)) {
        if (retention_thread.joinable()) retention_thread.join();
        retention_thread = std::thread([&] {
          run_retention(q);
          retention_running = false;
        });
      }
      schedule_retention();
    });
  };
  schedule_retention();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    log::info("gateway.stopping", {{"signal", signal}});
    for (auto& l : listeners) l->stop();
    stats_timer.cancel();
    retention_timer.cancel();
  });
  log::info("gateway.started", {{"listeners", static_cast<std::uint64_t>(listeners.size())},
                                {"queue", cfg.queue.path}, {"io_threads", cfg.io_threads}});

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < cfg.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();

  listeners.clear();
  if (retention_thread.joinable()) retention_thread.join();
  close_queue(q);
  log_stats(q, {}, "gateway.stopped");
  return 0;
}

}  // namespace medgw::runtime

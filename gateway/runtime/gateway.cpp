#include "gateway/runtime/gateway.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/dbpoll/db_poller.hpp"
#include "adapters/fhir/fhir_destination.hpp"
#include "adapters/fhir/fhir_poller.hpp"
#include "adapters/mllp/listener.hpp"
#include "gateway/core/backpressure.hpp"
#include "gateway/core/log.hpp"
#include "gateway/pipeline/apply_notifier.hpp"
#include "gateway/pipeline/pipeline.hpp"
#include "gateway/runtime/fhir_endpoint.hpp"
#include "gateway/runtime/mllp_intake.hpp"
#include "gateway/runtime/open_delivery.hpp"
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

void log_pipeline(const pipeline::PipelineCounters& c) {
  log::info("pipeline.stats", {{"leased", c.leased.load()},
                               {"applied", c.applied.load()},
                               {"already_applied", c.already_applied.load()},
                               {"parked", c.parked.load()},
                               {"retried", c.retried.load()},
                               {"batches", c.batches.load()},
                               {"delivered", c.delivered.load()},
                               {"delivery_retries", c.delivery_retries.load()}});
}

void log_db_pollers(const std::vector<dbpoll::DbPollerPtr>& pollers) {
  for (const auto& p : pollers) {
    const auto& c = p->counters();
    log::info("dbpoll.stats", {{"source", p->config().name},
                               {"polls", c.polls.load()},
                               {"rows", c.rows.load()},
                               {"duplicates", c.duplicates.load()},
                               {"batches", c.batches.load()},
                               {"errors", c.errors.load()},
                               {"connects", c.connects.load()},
                               {"write_back_failures", c.write_back_failures.load()}});
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

  // The delivery side: site profile, CRM store, pipeline workers. Opened before the listeners so
  // a bad site file or an unwritable store stops the start-up before any sender is acked.
  std::optional<Delivery> delivery;
  if (cfg.pipeline.enabled) {
    auto d = open_delivery(cfg);
    if (!d) {
      std::cerr << "medgw serve: " << d.error() << "\n";
      close_queue(q);
      return 1;
    }
    delivery.emplace(std::move(*d));
  } else {
    log::warn("gateway.pipeline_disabled", {{"hint", "messages are queued but not delivered"}});
  }
  // FHIR writes wait on it for their envelope to reach the archive.
  pipeline::ApplyNotifier notifier;
  std::unique_ptr<pipeline::Pipeline> workers;
  // After the CRM store, change sets may also go to an external FHIR server (fhir_destination).
  std::unique_ptr<fhir::FhirDestination> destination;
  if (cfg.fhir_destination) {
    if (!delivery) {
      log::warn("gateway.destination_idle", {{"hint", "fhir_destination needs the pipeline: nothing is delivered"}});
    } else {
      auto d = fhir::FhirDestination::create(*cfg.fhir_destination);
      if (!d) {
        std::cerr << "medgw serve: " << d.error() << "\n";
        close_queue(q);
        return 1;
      }
      destination = std::move(*d);
    }
  }
  if (delivery) {
    workers = std::make_unique<pipeline::Pipeline>(
        q, *delivery->store, *delivery->mapper,
        pipeline::PipelineConfig{cfg.pipeline.workers, cfg.pipeline.batch_max, std::chrono::milliseconds(20)},
        &notifier, destination.get());
    workers->start();
  }

  Backpressure backpressure([&q] { return q.stats().depth; }, cfg.queue.high_watermark, cfg.queue.low_watermark);

  // The listeners take what the pipeline maps, decoded by its charset rule (mllp_intake.hpp). With
  // the pipeline off they still answer as it will once on: the site file is read for them alone.
  std::unique_ptr<sites::SiteProfile> intake_site;
  std::unique_ptr<pipeline::MessageMapper> intake_mapper;
  const pipeline::MessageMapper* mapper = delivery ? delivery->mapper.get() : nullptr;
  if (mapper == nullptr && !cfg.listeners.empty()) {
    auto site = open_site(cfg.site);
    if (!site) {
      std::cerr << "medgw serve: " << site.error() << "\n";
      if (workers) workers->stop();
      close_queue(q);
      return 1;
    }
    intake_site = std::move(*site);
    intake_mapper = std::make_unique<pipeline::MessageMapper>(intake_site.get(), listener_charsets(cfg));
    mapper = intake_mapper.get();
  }

  asio::io_context io(static_cast<int>(cfg.io_threads));
  std::vector<std::unique_ptr<mllp::MllpListener>> listeners;
  for (const auto& lc : cfg.listeners) {
    auto l = std::make_unique<mllp::MllpListener>(io, lc, q, backpressure, mllp_intake(*mapper, lc.name));
    std::string why;
    if (l->start(why)) {
      std::cerr << "medgw serve: " << why << "\n";
      for (auto& started : listeners) started->stop();
      if (workers) workers->stop();
      close_queue(q);
      return 1;
    }
    listeners.push_back(std::move(l));
  }
  // Database pollers, each on its own thread (ODBC blocks); they start after the queue opened and
  // stop before it closes. A database that is down does not stop the start: it is retried.
  std::vector<dbpoll::DbPollerPtr> pollers;
  for (const auto& dc : cfg.db_sources) {
    auto p = std::make_unique<dbpoll::DbPoller>(dc, q, [&backpressure] { return backpressure.paused(); });
    if (auto why = p->start()) {
      std::cerr << "medgw serve: " << *why << "\n";
      pollers.clear();
      for (auto& started : listeners) started->stop();
      if (workers) workers->stop();
      close_queue(q);
      return 1;
    }
    pollers.push_back(std::move(p));
  }
  std::unique_ptr<FhirEndpoint> fhir;
  if (cfg.fhir.enabled) {
    auto f = FhirEndpoint::start(io, cfg, q, workers ? &notifier : nullptr);
    if (!f) {
      std::cerr << "medgw serve: " << f.error() << "\n";
      pollers.clear();
      for (auto& started : listeners) started->stop();
      if (workers) workers->stop();
      close_queue(q);
      return 1;
    }
    fhir = std::move(*f);
  }
  // Upstream FHIR servers polled as sources: coroutines on this io_context (fhir_poller.hpp).
  std::vector<std::unique_ptr<fhir::FhirPoller>> fhir_pollers;
  for (const auto& sc : cfg.fhir_sources) {
    auto p = fhir::FhirPoller::create(io, sc, q);
    if (!p) {
      std::cerr << "medgw serve: " << p.error() << "\n";
      pollers.clear();
      for (auto& started : listeners) started->stop();
      if (fhir) fhir->stop();
      if (workers) workers->stop();
      close_queue(q);
      return 1;
    }
    fhir_pollers.push_back(std::move(*p));
  }
  for (auto& p : fhir_pollers) p->start();
  if (listeners.empty() && !fhir && pollers.empty() && fhir_pollers.empty()) {
    log::warn("gateway.no_listeners", {{"hint", "add a listeners: entry (or fhir:) to the config"}});
  }

  asio::steady_timer stats_timer(io);
  std::function<void()> schedule_stats = [&] {
    stats_timer.expires_after(cfg.stats_interval);
    stats_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      log_stats(q, listeners, "queue.stats");
      if (workers) log_pipeline(workers->counters());
      log_db_pollers(pollers);
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
    for (auto& p : pollers) p->request_stop();
    for (auto& p : fhir_pollers) p->stop();  // a page being committed finishes; its watermark is stored
    // FHIR writes waiting for the archive are answered 202 now (they are durable); the server then
    // stops accepting and closes its connections after their answers.
    notifier.shutdown();
    if (fhir) fhir->stop();
    stats_timer.cancel();
    retention_timer.cancel();
  });
  log::info("gateway.started", {{"listeners", static_cast<std::uint64_t>(listeners.size())},
                                {"queue", cfg.queue.path},
                                {"io_threads", cfg.io_threads}});

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < cfg.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();

  listeners.clear();
  fhir.reset();
  // Each poller finishes its ODBC call and queue write in flight (bounded by query_timeout_s).
  for (auto& p : pollers) p->stop();
  log_db_pollers(pollers);
  pollers.clear();
  fhir_pollers.clear();
  // Listeners are done (their commits and ACKs went out); now let the workers apply what they
  // have mapped, then close the queue and the store.
  if (workers) {
    workers->stop();
    log_pipeline(workers->counters());
    workers.reset();
  }
  if (retention_thread.joinable()) retention_thread.join();
  close_queue(q);
  log_stats(q, {}, "gateway.stopped");
  return 0;
}

}  // namespace medgw::runtime

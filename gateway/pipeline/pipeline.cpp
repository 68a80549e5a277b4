#include "gateway/pipeline/pipeline.hpp"

#include "gateway/core/log.hpp"

namespace medgw::pipeline {

Pipeline::Pipeline(Queue& queue, crmstore::CrmStore& store, const MessageMapper& mapper, PipelineConfig config,
                   ApplyNotifier* notifier, Destination* destination)
    : queue_(queue), store_(store), mapper_(mapper), config_(config), notifier_(notifier), destination_(destination) {
  if (config_.workers == 0) config_.workers = 1;
  if (config_.batch_max == 0) config_.batch_max = 1;
}

Pipeline::~Pipeline() {
  stop();
}

void Pipeline::start() {
  std::lock_guard lk(mu_);
  if (!workers_.empty() || writer_.joinable()) return;
  stopping_ = false;
  workers_running_ = config_.workers;
  for (unsigned i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { run_worker(); });
  writer_ = std::thread([this] { run_writer(); });
}

void Pipeline::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  wake_workers_.notify_all();
  mapped_room_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  if (writer_.joinable()) writer_.join();
}

void Pipeline::park(std::uint64_t id, const std::string& reason, std::string_view code) {
  if (auto ec = queue_.park(id, reason)) {
    log::error("pipeline.park_failed", {{"id", id}, {"error", ec.message()}});
    return;
  }
  if (notifier_) notifier_->publish(id, ApplyOutcome{ApplyOutcome::Kind::kParked, std::string(code), reason});
  counters_.parked.fetch_add(1, std::memory_order_relaxed);
  log::warn("pipeline.parked", {{"id", id}, {"reason", reason}});
}

void Pipeline::run_worker() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      if (stopping_) break;
    }
    auto lease = queue_.lease();
    if (!lease) {
      std::unique_lock lk(mu_);
      wake_workers_.wait_for(lk, config_.idle_poll, [this] { return stopping_; });
      continue;
    }
    counters_.leased.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t id = lease->envelope.id;
    auto changes = mapper_.map(lease->envelope);
    if (!changes) {
      park(id, describe(changes.error()), kind_name(changes.error().kind));
      continue;
    }
    std::unique_lock lk(mu_);
    // Bounded hand-over: a slow store slows the workers, which slows leasing; the queue holds the
    // rest on disk. On stop the item is still handed over, so no leased message waits for a restart.
    mapped_room_.wait(lk, [this] { return stopping_ || mapped_.size() < 2 * config_.batch_max; });
    mapped_.push_back(Mapped{id, std::move(*changes)});
    lk.unlock();
    mapped_ready_.notify_one();
  }
  {
    std::lock_guard lk(mu_);
    --workers_running_;
  }
  mapped_ready_.notify_one();
}

void Pipeline::run_writer() {
  std::vector<Mapped> batch;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      mapped_ready_.wait(lk, [this] { return !mapped_.empty() || (stopping_ && workers_running_ == 0); });
      if (mapped_.empty()) return;  // stopping, every worker done, nothing left
      while (!mapped_.empty() && batch.size() < config_.batch_max) {
        batch.push_back(std::move(mapped_.front()));
        mapped_.pop_front();
      }
    }
    mapped_room_.notify_all();
    write_batch(batch);
    batch.clear();
  }
}

// The store has the change sets; the destination gets them next. Only what it took is acked: the
// rest is nacked (retry with backoff; the store will answer "already applied") or parked.
void Pipeline::deliver(std::vector<Mapped>& batch, const std::vector<std::size_t>& indexes,
                       std::vector<std::uint64_t>& done) {
  std::vector<const model::ChangeSet*> changes;
  changes.reserve(indexes.size());
  for (std::size_t i : indexes) changes.push_back(&batch[i].changes);
  std::vector<DeliveryResult> results = destination_->deliver(changes);
  results.resize(indexes.size(), DeliveryResult{DeliveryResult::Kind::kRetry, "no answer from the destination"});
  for (std::size_t k = 0; k < indexes.size(); ++k) {
    const std::uint64_t id = batch[indexes[k]].id;
    const DeliveryResult& r = results[k];
    const std::string reason = std::string(destination_->name()) + ": " + r.reason;
    switch (r.kind) {
      case DeliveryResult::Kind::kDelivered:
        counters_.delivered.fetch_add(1, std::memory_order_relaxed);
        done.push_back(id);
        break;
      case DeliveryResult::Kind::kRetry:
        counters_.delivery_retries.fetch_add(1, std::memory_order_relaxed);
        log::warn("pipeline.delivery_retry", {{"id", id}, {"reason", reason}});
        if (auto ec = queue_.nack(id, reason, true)) {
          log::error("pipeline.nack_failed", {{"id", id}, {"error", ec.message()}});
        }
        break;
      case DeliveryResult::Kind::kPermanent:
        // Parked for the operator, but not published as parked: the change set is in the
        // archive, which is what a FHIR client waiting on the notifier was promised.
        if (auto ec = queue_.park(id, reason)) {
          log::error("pipeline.park_failed", {{"id", id}, {"error", ec.message()}});
          break;
        }
        counters_.parked.fetch_add(1, std::memory_order_relaxed);
        log::warn("pipeline.parked", {{"id", id}, {"reason", reason}});
        break;
    }
  }
}

void Pipeline::write_batch(std::vector<Mapped>& batch) {
  std::vector<crmstore::ChangeItem> items;
  items.reserve(batch.size());
  for (const auto& m : batch) items.push_back({m.id, &m.changes});
  auto results = store_.apply(items);
  counters_.batches.fetch_add(1, std::memory_order_relaxed);
  if (!results) {
    const auto& e = results.error();
    log::error(
        "pipeline.store_failed",
        {{"error", e.message}, {"retryable", e.retryable}, {"messages", static_cast<std::uint64_t>(batch.size())}});
    for (const auto& m : batch) {
      if (auto ec = queue_.nack(m.id, "store: " + e.message, e.retryable)) {
        log::error("pipeline.nack_failed", {{"id", m.id}, {"error", ec.message()}});
      }
    }
    counters_.retried.fetch_add(batch.size(), std::memory_order_relaxed);
    return;
  }
  std::vector<std::uint64_t> done;
  done.reserve(batch.size());
  std::vector<std::size_t> to_deliver;  // indexes into batch: committed, for the destination
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& r = (*results)[i];
    switch (r.status) {
      case crmstore::ApplyStatus::kApplied:
        counters_.applied.fetch_add(1, std::memory_order_relaxed);
        if (destination_) {
          to_deliver.push_back(i);
        } else {
          done.push_back(batch[i].id);
        }
        break;
      case crmstore::ApplyStatus::kAlreadyApplied:
        counters_.already_applied.fetch_add(1, std::memory_order_relaxed);
        if (destination_) {
          to_deliver.push_back(i);
        } else {
          done.push_back(batch[i].id);
        }
        break;
      case crmstore::ApplyStatus::kRefused:
        if (batch[i].changes.message_type.rfind("FHIR ", 0) == 0) {
          // A FHIR write the store refuses (a stale If-Match, an unknown id or subject) was
          // answered to its client with the reason (4xx): there is nothing to fix and replay, and
          // parked it would hold back that patient's later writes. It is marked delivered (kept
          // for the message browser) and its refusal published.
          log::warn("pipeline.refused_fhir_write", {{"id", batch[i].id}, {"code", std::string(r.code)}});
          counters_.parked.fetch_add(1, std::memory_order_relaxed);
          done.push_back(batch[i].id);
          if (notifier_) {
            notifier_->publish(batch[i].id,
                               ApplyOutcome{ApplyOutcome::Kind::kParked,
                                            std::string(r.code.empty() ? crmstore::kRefusedInvalid : r.code),
                                            "refused by the CRM store: " + r.reason});
          }
          break;
        }
        park(batch[i].id, "refused by the CRM store: " + r.reason, r.code.empty() ? crmstore::kRefusedInvalid : r.code);
        break;
    }
  }
  if (!to_deliver.empty()) deliver(batch, to_deliver, done);
  const auto acked = queue_.ack_all(done);
  for (std::size_t i = 0; i < acked.size(); ++i) {
    // Committed in the store but not marked delivered: it will be redelivered and recognised.
    if (acked[i]) log::error("pipeline.ack_failed", {{"id", done[i]}, {"error", acked[i].message()}});
  }
  if (notifier_) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto status = (*results)[i].status;
      if (status == crmstore::ApplyStatus::kRefused) continue;  // published by park()
      notifier_->publish(batch[i].id,
                         ApplyOutcome{status == crmstore::ApplyStatus::kApplied ? ApplyOutcome::Kind::kApplied
                                                                                : ApplyOutcome::Kind::kAlreadyApplied,
                                      {},
                                      {}});
    }
  }
}

}  // namespace medgw::pipeline

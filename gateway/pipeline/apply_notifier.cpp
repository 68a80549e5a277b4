#include "gateway/pipeline/apply_notifier.hpp"

namespace medgw::pipeline {

void ApplyNotifier::publish(std::uint64_t envelope_id, ApplyOutcome outcome) {
  {
    std::lock_guard lock(mu_);
    if (outcomes_.insert_or_assign(envelope_id, std::move(outcome)).second) order_.push_back(envelope_id);
    while (order_.size() > capacity_) {
      outcomes_.erase(order_.front());
      order_.pop_front();
    }
  }
  changed_.notify_all();
}

std::optional<ApplyOutcome> ApplyNotifier::wait(std::uint64_t envelope_id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<ApplyOutcome> found;
  changed_.wait_for(lock, timeout, [&] {
    if (auto it = outcomes_.find(envelope_id); it != outcomes_.end()) found = it->second;
    return found.has_value() || shutdown_;
  });
  return found;
}

void ApplyNotifier::shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  changed_.notify_all();
}

}  // namespace medgw::pipeline

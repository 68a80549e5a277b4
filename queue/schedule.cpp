#include "queue/schedule.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace medgw::queue {

Schedule::Item& Schedule::item(std::uint64_t id) {
  auto it = items_.find(id);
  if (it == items_.end()) std::abort();  // the queue checks before it calls: an impossible state
  return it->second;
}

const ScheduledItem* Schedule::find(std::uint64_t id) const {
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : &it->second.s;
}

std::string_view Schedule::ordering_key_of(std::uint64_t id) const {
  auto it = items_.find(id);
  return it == items_.end() ? std::string_view() : std::string_view(it->second.key->key);
}

void Schedule::add(std::uint64_t id, std::string_view ordering_key, const ScheduledItem& s) {
  assert(s.status == EnvelopeStatus::kReady || s.status == EnvelopeStatus::kParked);
  auto kit = keys_.find(ordering_key);
  if (kit == keys_.end()) {
    auto k = std::make_unique<KeyQueue>();
    k->key.assign(ordering_key);
    const std::string_view view = k->key;
    kit = keys_.emplace(view, std::move(k)).first;
  }
  KeyQueue& k = *kit->second;
  auto [it, inserted] = items_.emplace(id, Item{&k, s});
  if (!inserted) std::abort();
  if (s.status == EnvelopeStatus::kParked) {
    k.parked.insert(id);
    ++parked_;
  } else {
    insert_active(k, id);
  }
  reschedule(k);
}

std::optional<std::uint64_t> Schedule::lease(std::int64_t now_ms) {
  while (!backoff_.empty() && backoff_.begin()->first <= now_ms) {
    ready_.insert(backoff_.begin()->second);
    backoff_.erase(backoff_.begin());
  }
  if (ready_.empty()) return std::nullopt;
  const std::uint64_t id = *ready_.begin();
  ready_.erase(ready_.begin());
  Item& it = item(id);
  KeyQueue& k = *it.key;
  k.scheduled = 0;
  k.leased = id;
  it.s.status = EnvelopeStatus::kLeased;
  ++leased_;
  return id;
}

void Schedule::retry(std::uint64_t id, std::uint32_t attempts, std::int64_t not_before_ms) {
  Item& it = item(id);
  assert(it.s.status == EnvelopeStatus::kLeased);
  it.s = {EnvelopeStatus::kReady, attempts, not_before_ms};
  it.key->leased = 0;
  --leased_;
  reschedule(*it.key);
}

void Schedule::park(std::uint64_t id, std::uint32_t attempts) {
  Item& it = item(id);
  KeyQueue& k = *it.key;
  assert(it.s.status == EnvelopeStatus::kLeased || it.s.status == EnvelopeStatus::kReady);
  if (it.s.status == EnvelopeStatus::kLeased) {
    k.leased = 0;
    --leased_;
  }
  it.s = {EnvelopeStatus::kParked, attempts, 0};
  erase_active(k, id);
  k.parked.insert(id);
  ++parked_;
  reschedule(k);
}

void Schedule::replay(std::uint64_t id) {
  Item& it = item(id);
  KeyQueue& k = *it.key;
  assert(it.s.status == EnvelopeStatus::kParked);
  it.s = {EnvelopeStatus::kReady, 0, 0};
  k.parked.erase(id);
  --parked_;
  insert_active(k, id);
  reschedule(k);
}

void Schedule::remove(std::uint64_t id) {
  auto found = items_.find(id);
  if (found == items_.end()) std::abort();
  KeyQueue& k = *found->second.key;
  assert(found->second.s.status == EnvelopeStatus::kLeased);
  k.leased = 0;
  --leased_;
  erase_active(k, id);
  items_.erase(found);
  reschedule(k);
  drop_if_empty(k);
}

std::vector<std::uint64_t> Schedule::list(EnvelopeStatus status, std::size_t limit) const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, it] : items_) {
    if (out.size() >= limit) break;
    if (it.s.status == status) out.push_back(id);
  }
  return out;
}

std::vector<std::uint64_t> Schedule::ids_below(std::uint64_t bound, std::size_t max) const {
  std::vector<std::uint64_t> out;
  for (auto it = items_.begin(); it != items_.end() && it->first < bound && out.size() < max; ++it) {
    out.push_back(it->first);
  }
  return out;
}

std::optional<std::int64_t> Schedule::next_not_before() const {
  if (!ready_.empty()) return std::int64_t{0};
  if (backoff_.empty()) return std::nullopt;
  return backoff_.begin()->first;
}

void Schedule::unschedule(KeyQueue& k) {
  if (k.scheduled == 0) return;
  if (!ready_.erase(k.scheduled)) backoff_.erase({k.scheduled_not_before, k.scheduled});
  k.scheduled = 0;
}

void Schedule::reschedule(KeyQueue& k) {
  unschedule(k);
  if (k.leased != 0 || k.active.empty()) return;
  const std::uint64_t head = k.active.front();
  if (policy_ == ParkPolicy::kBlockKey && !k.parked.empty() && *k.parked.begin() < head) return;
  const ScheduledItem& s = items_.find(head)->second.s;
  k.scheduled = head;
  k.scheduled_not_before = s.not_before_ms;
  if (s.not_before_ms > 0) {
    backoff_.emplace(s.not_before_ms, head);
  } else {
    ready_.insert(head);
  }
}

void Schedule::erase_active(KeyQueue& k, std::uint64_t id) {
  // Almost always the front: the leased head, or a ready head parked by an operator.
  auto it = std::find(k.active.begin(), k.active.end(), id);
  if (it != k.active.end()) k.active.erase(it);
}

void Schedule::insert_active(KeyQueue& k, std::uint64_t id) {
  if (k.active.empty() || k.active.back() < id) {
    k.active.push_back(id);  // appends: ids only grow
  } else {
    k.active.insert(std::lower_bound(k.active.begin(), k.active.end(), id), id);  // a replay
  }
}

void Schedule::drop_if_empty(KeyQueue& k) {
  if (!k.active.empty() || !k.parked.empty() || k.leased != 0) return;
  auto it = keys_.find(std::string_view(k.key));
  keys_.erase(it);  // destroys k (erase by iterator: the lookup key lives in k)
}

}  // namespace medgw::queue

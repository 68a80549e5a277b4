// Model-based test of the RocksDB queue: seeded random sequences of appends (new, duplicate,
// within one batch), rejected appends, leases, acks, nacks, parks, replays, invalid calls, clock
// jumps, retention, clean reopens and simulated crashes (with appends in flight), each step checked
// against a plain in-memory model of what the queue promises:
// - which envelopes exist, with which content, status, attempts, backoff and reason;
// - which envelope the next lease returns (per key in order, oldest ready head first, backoff,
//   park policy), so order per key is checked on every lease;
// - what a duplicate is answered with; the counters; that a crash loses exactly the appends that
//   were never acknowledged, and turns leases back into ready envelopes.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "queue/backoff.hpp"
#include "queue/queue_error.hpp"
#include "queue_test_support.hpp"

namespace medgw::queue {
namespace {

using namespace test;
using std::chrono::milliseconds;

struct ModelConfig {
  ParkPolicy policy;
  std::uint64_t seed;
  std::chrono::microseconds batch_wait;
  int steps;
};

std::string describe(const ModelConfig& c) {
  return std::string(c.policy == ParkPolicy::kBlockKey ? "block" : "skip") + "_seed" + std::to_string(c.seed) +
         "_wait" + std::to_string(c.batch_wait.count()) + "us";
}

constexpr std::uint32_t kMaxAttempts = 3;
constexpr std::int64_t kDedupeWindowMs = 500;
constexpr std::int64_t kRetentionMs = 2'000;
constexpr std::int64_t kBackoffBaseMs = 20;
constexpr std::int64_t kBackoffMaxMs = 160;

class Model {
 public:
  struct Item {
    std::string key, dedupe, raw, ack;
    EnvelopeStatus status = EnvelopeStatus::kReady;
    std::uint32_t attempts = 0;
    std::int64_t not_before = 0;
    std::string reason;
  };
  struct Original {
    std::uint64_t id;
    std::int64_t stored_at;
    std::string ack;
  };

  explicit Model(ParkPolicy policy) : policy_(policy) {}

  // What an append should be answered with: a duplicate of this original, or nothing (store it).
  std::optional<Original> duplicate_of(const Envelope& e, std::int64_t now) const {
    if (e.dedupe_key.empty()) return std::nullopt;
    auto it = dedupe.find(e.dedupe_key);
    if (it == dedupe.end() || now - it->second.stored_at >= kDedupeWindowMs) return std::nullopt;
    return it->second;
  }

  std::optional<std::uint64_t> expected_lease(std::int64_t now) const {
    std::map<std::string, std::vector<std::uint64_t>> by_key;
    for (const auto& [id, it] : items) {
      if (undelivered(it.status)) by_key[it.key].push_back(id);
    }
    std::optional<std::uint64_t> best;
    for (const auto& [key, ids] : by_key) {
      std::optional<std::uint64_t> head, first_parked;
      bool leased = false;
      for (auto id : ids) {
        const auto s = items.at(id).status;
        leased |= s == EnvelopeStatus::kLeased;
        if (s == EnvelopeStatus::kParked && !first_parked) first_parked = id;
        if (s == EnvelopeStatus::kReady && !head) head = id;
      }
      if (leased || !head) continue;
      if (policy_ == ParkPolicy::kBlockKey && first_parked && *first_parked < *head) continue;
      if (items.at(*head).not_before > now) continue;
      if (!best || *head < *best) best = head;
    }
    return best;
  }

  static bool undelivered(EnvelopeStatus s) {
    return s == EnvelopeStatus::kReady || s == EnvelopeStatus::kLeased || s == EnvelopeStatus::kParked;
  }

  std::vector<std::uint64_t> ids(EnvelopeStatus status) const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, it] : items) {
      if (it.status == status) out.push_back(id);
    }
    return out;
  }

  std::vector<std::uint64_t> ids_where(bool (*pred)(EnvelopeStatus)) const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, it] : items) {
      if (pred(it.status)) out.push_back(id);
    }
    return out;
  }

  std::map<std::uint64_t, Item> items;
  std::set<std::uint64_t> removed;  // by retention
  std::map<std::string, Original> dedupe;
  std::uint64_t appended = 0, duplicates = 0, rejected = 0, delivered = 0, last_id = 0;

 private:
  ParkPolicy policy_;
};

class QueueModelTest : public ::testing::TestWithParam<ModelConfig> {
 protected:
  void SetUp() override {
    rng_.seed(GetParam().seed);
    options_ = test_options(dir_, clock_);
    options_.park_policy = GetParam().policy;
    options_.max_batch_wait = GetParam().batch_wait;
    options_.max_attempts = kMaxAttempts;
    options_.backoff_base = milliseconds(kBackoffBaseMs);
    options_.backoff_max = milliseconds(kBackoffMaxMs);
    options_.dedupe_window = milliseconds(kDedupeWindowMs);
    options_.retention = milliseconds(kRetentionMs);
    options_.retention_max_gaps = 1u << 20;
    options_.rng_seed = GetParam().seed;
    q_ = open_or_fail(options_);
  }

  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }
  template <class V>
  auto pick_from(const V& v) {
    return v[static_cast<std::size_t>(pick(v.size()))];
  }

  Envelope make_envelope() {
    const std::uint64_t n = ++counter_;
    static const std::string kKeys[] = {"HIS|P1", "HIS|P2", "HIS|P3", "LIS|P1", "LIS|P2", std::string("PACS|\0P", 7),
                                        ""};
    std::string dedupe;
    const auto r = pick(10);
    if (r < 2 && !model_.dedupe.empty()) {
      auto it = model_.dedupe.begin();
      std::advance(it, static_cast<long>(pick(model_.dedupe.size())));
      dedupe = it->first;
    } else if (r < 3 && !group_keys_.empty()) {
      dedupe = pick_from(group_keys_);  // a duplicate within the same group, maybe the same batch
    } else if (r < 8) {
      dedupe = "D" + std::to_string(n);
    }
    if (!dedupe.empty()) group_keys_.push_back(dedupe);
    std::string raw = "MSH|" + std::to_string(n) + "|";
    for (std::uint64_t i = 0, len = pick(40); i < len; ++i) raw.push_back(static_cast<char>(rng_()));
    return envelope(kKeys[pick(std::size(kKeys))], dedupe, raw, "ACK-" + std::to_string(n));
  }

  // Applies one append result to the model, in submission order.
  void apply_append(const Envelope& e, const AppendResult& r) {
    ASSERT_FALSE(r.error) << r.error.message();
    if (auto original = model_.duplicate_of(e, clock_.now())) {
      ASSERT_TRUE(r.duplicate) << "dedupe key " << e.dedupe_key;
      EXPECT_EQ(r.id, original->id);
      EXPECT_EQ(r.ack, original->ack);
      ++model_.duplicates;
      return;
    }
    ASSERT_FALSE(r.duplicate) << "dedupe key " << e.dedupe_key;
    ASSERT_GT(r.id, model_.last_id);
    model_.last_id = r.id;
    model_.items[r.id] = Model::Item{e.ordering_key, e.dedupe_key, e.raw, e.ack, EnvelopeStatus::kReady, 0, 0, {}};
    if (!e.dedupe_key.empty()) model_.dedupe[e.dedupe_key] = {r.id, clock_.now(), e.ack};
    ++model_.appended;
  }

  // Appends a group without waiting between them (so they share batches), then, when `crash`,
  // crashes at once: the answered appends must be a prefix of the group, the others gone.
  void append_group(bool crash) {
    const auto n = 1 + pick(4);
    group_keys_.clear();
    std::vector<Envelope> envs;
    for (std::uint64_t i = 0; i < n; ++i) envs.push_back(make_envelope());
    const std::uint64_t group_start_id = model_.last_id;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<AppendResult>> results(envs.size());
    std::size_t answered = 0;
    for (std::size_t i = 0; i < envs.size(); ++i) {
      q_->append(envs[i], [&, i](AppendResult r) {
        std::lock_guard lk(mu);
        results[i] = std::move(r);
        ++answered;
        cv.notify_all();
      });
    }
    if (crash) {
      q_->simulate_crash();  // joins the committer: no callback runs after this
    } else {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return answered == envs.size(); });
    }
    std::lock_guard lk(mu);
    bool gap = false;
    for (std::size_t i = 0; i < envs.size(); ++i) {
      if (!results[i]) {
        gap = true;
        continue;
      }
      ASSERT_FALSE(gap) << "append " << i << " answered after an earlier one was dropped";
      const auto dup_before = model_.duplicates;
      apply_append(envs[i], *results[i]);
      if (model_.duplicates > dup_before && results[i]->id > group_start_id) ++seen_.same_group_duplicates;
    }
    for (const auto& r : results) seen_.dropped_at_crash += r ? 0 : 1;
    if (crash) reopen(/*crashed=*/true);
  }

  void reopen(bool crashed) {
    ++(crashed ? seen_.crashes : seen_.reopens);
    if (!crashed) q_->close();
    q_.reset();
    q_ = open_or_fail(options_);
    ASSERT_TRUE(q_);
    for (auto& [id, it] : model_.items) {
      if (it.status == EnvelopeStatus::kLeased) it.status = EnvelopeStatus::kReady;  // leases are memory only
    }
    check_everything();
  }

  std::vector<std::uint64_t> leased() const { return model_.ids(EnvelopeStatus::kLeased); }

  void step() {
    const auto now = clock_.now();
    const auto roll = pick(1000);
    if (roll < 150) {
      append_group(false);
    } else if (roll < 155) {
      append_group(true);
    } else if (roll < 175) {
      Envelope e = make_envelope();
      auto r = reject_sync(*q_, e, "unparseable " + std::to_string(counter_));
      ASSERT_FALSE(r.error);
      ASSERT_FALSE(r.duplicate);
      ASSERT_GT(r.id, model_.last_id);
      model_.last_id = r.id;
      model_.items[r.id] = Model::Item{e.ordering_key,
                                       e.dedupe_key,
                                       e.raw,
                                       e.ack,
                                       EnvelopeStatus::kRejected,
                                       0,
                                       0,
                                       "unparseable " + std::to_string(counter_)};
      ++model_.rejected;
    } else if (roll < 445) {
      const auto expected = model_.expected_lease(now);
      auto l = q_->lease();
      ASSERT_EQ(l.has_value(), expected.has_value()) << (l ? l->envelope.id : *expected);
      if (!l) return;
      ASSERT_EQ(l->envelope.id, *expected);
      ++seen_.leases;
      auto& it = model_.items.at(*expected);
      EXPECT_EQ(l->envelope.raw, it.raw);
      EXPECT_EQ(l->envelope.ordering_key, it.key);
      EXPECT_EQ(l->attempt, it.attempts + 1);
      it.status = EnvelopeStatus::kLeased;
    } else if (roll < 625) {
      const auto ids = leased();
      if (ids.empty()) return;
      const auto id = pick_from(ids);
      ASSERT_FALSE(q_->ack(id));
      auto& it = model_.items.at(id);
      it.status = EnvelopeStatus::kDelivered;
      it.not_before = 0;
      it.reason.clear();
      ++model_.delivered;
    } else if (roll < 645) {
      // Changes that do not fit: refused, and nothing changes.
      std::vector<std::uint64_t> ids;
      for (const auto& [id, it] : model_.items) {
        if (it.status != EnvelopeStatus::kLeased) ids.push_back(id);
      }
      ids.push_back(model_.last_id + 1);
      const auto id = pick_from(ids);
      const auto found = model_.items.find(id);
      const bool in_queue = found != model_.items.end() && Model::undelivered(found->second.status);
      const auto want = in_queue ? std::error_code(QueueErrc::kWrongState) : std::error_code(QueueErrc::kNotFound);
      EXPECT_EQ(pick(2) ? q_->ack(id) : q_->nack(id, "x", true), want) << id;
      if (!in_queue || found->second.status != EnvelopeStatus::kParked) {
        EXPECT_EQ(q_->replay(id), want) << id;
      }
    } else if (roll < 745) {
      const auto ids = leased();
      if (ids.empty()) return;
      const auto id = pick_from(ids);
      const bool retryable = pick(10) < 7;
      const std::string reason = "failure " + std::to_string(++counter_);
      ASSERT_FALSE(q_->nack(id, reason, retryable));
      auto& it = model_.items.at(id);
      ++it.attempts;
      it.reason = reason;
      if (!retryable || it.attempts >= kMaxAttempts) {
        it.status = EnvelopeStatus::kParked;
        it.not_before = 0;
      } else {
        it.status = EnvelopeStatus::kReady;
        auto st = q_->state(id);
        ASSERT_TRUE(st);
        const Backoff caps(milliseconds(kBackoffBaseMs), milliseconds(kBackoffMaxMs), 0);
        EXPECT_GE(st->not_before_ms, now);
        EXPECT_LE(st->not_before_ms, now + caps.cap_ms(it.attempts));
        it.not_before = st->not_before_ms;
      }
    } else if (roll < 775) {
      std::vector<std::uint64_t> ids;
      for (const auto& [id, it] : model_.items) {
        if (it.status == EnvelopeStatus::kLeased || it.status == EnvelopeStatus::kReady) ids.push_back(id);
      }
      if (ids.empty()) return;
      const auto id = pick_from(ids);
      const std::string reason = "parked by operator " + std::to_string(++counter_);
      ASSERT_FALSE(q_->park(id, reason));
      auto& it = model_.items.at(id);
      it.status = EnvelopeStatus::kParked;
      it.not_before = 0;
      it.reason = reason;
    } else if (roll < 855) {
      const auto ids = model_.ids(EnvelopeStatus::kParked);
      if (ids.empty()) return;
      const auto id = pick_from(ids);
      ASSERT_FALSE(q_->replay(id));
      auto& it = model_.items.at(id);
      it.status = EnvelopeStatus::kReady;
      it.attempts = 0;
      it.not_before = 0;
      it.reason.clear();
    } else if (roll < 980) {
      clock_.advance(pick(8) == 0 ? static_cast<std::int64_t>(pick(3 * kRetentionMs))
                                  : static_cast<std::int64_t>(pick(150)));
    } else if (roll < 985) {
      q_->simulate_crash();
      reopen(true);
    } else if (roll < 990) {
      reopen(false);
    } else {
      auto report = q_->run_retention();
      ASSERT_TRUE(report);
      const std::uint64_t cutoff = static_cast<std::uint64_t>(now - kRetentionMs) << 16;
      EXPECT_EQ(report->cutoff_id, cutoff);
      for (auto it = model_.items.begin(); it != model_.items.end();) {
        if (it->first < cutoff && !Model::undelivered(it->second.status)) {
          ++seen_.removed;
          model_.removed.insert(it->first);
          it = model_.items.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  void check_stats() {
    const QueueStats s = q_->stats();
    ASSERT_EQ(s.appended, model_.appended);
    ASSERT_EQ(s.duplicates, model_.duplicates);
    ASSERT_EQ(s.rejected, model_.rejected);
    ASSERT_EQ(s.delivered, model_.delivered);
    ASSERT_EQ(s.depth, model_.ids_where(&Model::undelivered).size());
    ASSERT_EQ(s.parked, model_.ids(EnvelopeStatus::kParked).size());
  }

  void check_everything() {
    check_stats();
    for (const auto& [id, it] : model_.items) {
      auto st = q_->state(id);
      ASSERT_TRUE(st) << id;
      EXPECT_EQ(st->status, it.status) << id;
      EXPECT_EQ(st->attempts, it.attempts) << id;
      EXPECT_EQ(st->not_before_ms, it.not_before) << id;
      EXPECT_EQ(st->reason, it.reason) << id;
      auto e = q_->get(id);
      ASSERT_TRUE(e) << id;
      EXPECT_EQ(e->raw, it.raw);
      EXPECT_EQ(e->ordering_key, it.key);
      EXPECT_EQ(e->dedupe_key, it.dedupe);
      EXPECT_EQ(e->ack, it.ack);
    }
    for (auto id : model_.removed) {
      EXPECT_FALSE(q_->get(id)) << id;
      EXPECT_FALSE(q_->state(id)) << id;
    }
    for (auto status : {EnvelopeStatus::kReady, EnvelopeStatus::kLeased, EnvelopeStatus::kDelivered,
                        EnvelopeStatus::kParked, EnvelopeStatus::kRejected}) {
      EXPECT_EQ(q_->list(status, 1'000'000), model_.ids(status)) << to_string(status);
    }
  }

  TempDir dir_;
  MockClock clock_;
  RocksDbQueueOptions options_;
  std::unique_ptr<RocksDbQueue> q_;
  Model model_{GetParam().policy};
  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
  std::vector<std::string> group_keys_;
  struct {
    int leases = 0, crashes = 0, reopens = 0, same_group_duplicates = 0, dropped_at_crash = 0, removed = 0;
  } seen_;
};

TEST_P(QueueModelTest, RandomOperationsMatchTheModel) {
  ASSERT_TRUE(q_);
  for (int i = 0; i < GetParam().steps; ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    step();
    if (HasFatalFailure()) return;
    check_stats();
    if (HasFatalFailure()) return;
    if (i % 50 == 49) check_everything();
    if (HasFailure()) return;  // the first divergence is the useful one
  }
  check_everything();
  // Whatever the sequence, the queue drains: replay everything parked, then deliver it all.
  clock_.advance(kBackoffMaxMs + 1);
  for (auto id : model_.ids(EnvelopeStatus::kParked)) ASSERT_FALSE(q_->replay(id));
  for (int guard = 0; guard < 100'000; ++guard) {
    for (auto id : leased()) {
      ASSERT_FALSE(q_->ack(id));
      model_.items.at(id).status = EnvelopeStatus::kDelivered;
    }
    auto l = q_->lease();
    if (!l) break;
    model_.items.at(l->envelope.id).status = EnvelopeStatus::kLeased;
  }
  EXPECT_EQ(q_->stats().depth, 0u);
  // What the sequence exercised, so a change of weights that stops covering something shows.
  std::printf(
      "model: %d leases, %llu appended, %llu duplicates (%d within a group), %llu rejected, %llu delivered, "
      "%d crashes (%d appends dropped), %d reopens, %d removed by retention\n",
      seen_.leases, static_cast<unsigned long long>(model_.appended),
      static_cast<unsigned long long>(model_.duplicates), seen_.same_group_duplicates,
      static_cast<unsigned long long>(model_.rejected), static_cast<unsigned long long>(model_.delivered),
      seen_.crashes, seen_.dropped_at_crash, seen_.reopens, seen_.removed);
  EXPECT_GT(seen_.same_group_duplicates, 0);
  // With a batch wait the committer is still gathering when the crash comes; without one it
  // usually wins the race, and nothing is dropped.
  if (GetParam().batch_wait.count() > 0) {
    EXPECT_GT(seen_.dropped_at_crash, 0);
  }
  EXPECT_GT(seen_.removed, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, QueueModelTest,
                         ::testing::Values(ModelConfig{ParkPolicy::kBlockKey, 1, std::chrono::microseconds(0), 1200},
                                           ModelConfig{ParkPolicy::kSkip, 2, std::chrono::microseconds(0), 1200},
                                           ModelConfig{ParkPolicy::kBlockKey, 3, std::chrono::microseconds(300), 1200},
                                           ModelConfig{ParkPolicy::kSkip, 4, std::chrono::microseconds(300), 1200}),
                         [](const ::testing::TestParamInfo<ModelConfig>& p) { return describe(p.param); });

}  // namespace
}  // namespace medgw::queue

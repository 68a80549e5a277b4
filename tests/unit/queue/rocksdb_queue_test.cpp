// The RocksDB queue, rule by rule: durable group commit, dedupe, per-key order, backoff, park
// policies, replay, rejected envelopes, retention, counters and recovery after a crash.
#include "queue/rocksdb_queue.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "queue/counter_merge.hpp"
#include "queue/key_codec.hpp"
#include "queue/queue_error.hpp"
#include "queue_test_support.hpp"

namespace medgw::queue {
namespace {

using namespace test;
using std::chrono::milliseconds;

class QueueTest : public ::testing::Test {
 protected:
  RocksDbQueueOptions options() const { return test_options(dir_, clock_); }
  std::unique_ptr<RocksDbQueue> open() { return open_or_fail(options()); }

  TempDir dir_;
  MockClock clock_;
};

// ---- append ----------------------------------------------------------------------------------

TEST_F(QueueTest, AppendStoresTheEnvelopeAsGiven) {
  auto q = open();
  Envelope e = envelope("HIS|P001", "HIS|MSG1", std::string("MSH|^~\\&|HIS\r\xCD\xF5", 15), "MSA|AA|MSG1");
  e.received_at_ms = 123;
  auto r = append_sync(*q, e);
  ASSERT_FALSE(r.error);
  EXPECT_FALSE(r.duplicate);
  EXPECT_GE(r.id, static_cast<std::uint64_t>(clock_.now()) << 16);  // ids carry their time

  auto got = q->get(r.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, r.id);
  EXPECT_EQ(got->raw, e.raw);
  EXPECT_EQ(got->source, "test");
  EXPECT_EQ(got->received_at_ms, 123);
  EXPECT_EQ(got->dedupe_key, "HIS|MSG1");
  EXPECT_EQ(got->ordering_key, "HIS|P001");
  EXPECT_EQ(got->ack, "MSA|AA|MSG1");
  auto st = q->state(r.id);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->status, EnvelopeStatus::kReady);
  EXPECT_EQ(st->attempts, 0u);

  const QueueStats s = q->stats();
  EXPECT_EQ(s.appended, 1u);
  EXPECT_EQ(s.depth, 1u);
  EXPECT_EQ(s.fsyncs, 1u);
  EXPECT_EQ(s.fsynced_appends, 1u);
  EXPECT_FALSE(q->get(r.id + 1));
}

TEST_F(QueueTest, ReceivedTimeDefaultsToTheCommitTime) {
  auto q = open();
  const auto id = add(*q, "K");
  EXPECT_EQ(q->get(id)->received_at_ms, clock_.now());
}

TEST_F(QueueTest, IdsIncreaseEvenWhenTheClockGoesBack) {
  auto q = open();
  const auto a = add(*q, "K");
  clock_.advance(-10'000);
  const auto b = add(*q, "K");
  clock_.advance(20'000);
  const auto c = add(*q, "K");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_GE(c, static_cast<std::uint64_t>(clock_.now()) << 16);
}

TEST_F(QueueTest, TheCallbackRunsAfterTheEnvelopeIsStored) {
  auto q = open();
  std::promise<bool> seen;
  q->append(envelope("K"), [&](AppendResult r) {
    // Readable, and leasable, from inside the completion: it is written and scheduled.
    const bool stored = !r.error && q->get(r.id).has_value() && q->list(EnvelopeStatus::kReady, 10).size() == 1;
    seen.set_value(stored);
  });
  EXPECT_TRUE(seen.get_future().get());
}

TEST_F(QueueTest, GroupCommitWritesConcurrentAppendsTogether) {
  auto q = open();
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        q->append(envelope("K" + std::to_string(t), "D" + std::to_string(t) + "-" + std::to_string(i)),
                  [&](AppendResult r) {
                    if (r.error) failed.fetch_add(1);
                    done.fetch_add(1);
                  });
      }
    });
  }
  for (auto& th : threads) th.join();
  while (done.load() < kThreads * kEach) std::this_thread::sleep_for(milliseconds(1));
  const QueueStats s = q->stats();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(s.appended, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(s.fsynced_appends, s.appended);
  EXPECT_LT(s.fsyncs, s.appended / 4) << "appends per fsync: " << double(s.fsynced_appends) / double(s.fsyncs);
}

TEST_F(QueueTest, BatchesAreBoundedByMaxBatch) {
  auto o = options();
  o.max_batch = 10;
  o.max_batch_wait = std::chrono::microseconds(100'000);  // the wait ends when 10 are there
  auto q = open_or_fail(o);
  std::atomic<int> done{0};
  for (int i = 0; i < 95; ++i) q->append(envelope("K"), [&](AppendResult) { done.fetch_add(1); });
  const auto started = std::chrono::steady_clock::now();
  while (done.load() < 90) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(900));  // full batches go at once
  while (done.load() < 95) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(q->stats().fsyncs, 10u);
}

TEST_F(QueueTest, AppendsAfterCloseCompleteWithAnError) {
  auto q = open();
  q->close();
  auto r = append_sync(*q, envelope("K"));
  EXPECT_EQ(r.error, QueueErrc::kClosed);
  EXPECT_EQ(q->ack(1), QueueErrc::kClosed);
  EXPECT_FALSE(q->lease());
  EXPECT_FALSE(q->get(1));
  EXPECT_FALSE(q->run_retention());
  q->close();  // idempotent
}

TEST_F(QueueTest, CloseCommitsThePendingAppendsAndRunsTheirCallbacks) {
  auto o = options();
  o.max_batch_wait = std::chrono::microseconds(10'000'000);  // they would wait 10 s for company
  auto q = open_or_fail(o);
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) q->append(envelope("K"), [&](AppendResult r) { ok.fetch_add(r.error ? 0 : 1); });
  const auto started = std::chrono::steady_clock::now();
  q->close();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(ok.load(), 5);
  q.reset();
  q = open_or_fail(o);
  EXPECT_EQ(q->stats().appended, 5u);
  EXPECT_EQ(q->list(EnvelopeStatus::kReady, 10).size(), 5u);
}

TEST_F(QueueTest, ACrashLosesOnlyWhatWasNeverAcknowledged) {
  std::uint64_t kept = 0;
  {
    auto q = open();
    kept = add(*q, "K");
  }
  auto o = options();
  o.max_batch_wait = std::chrono::microseconds(10'000'000);  // the committer is still gathering
  auto q = open_or_fail(o);
  std::atomic<int> called{0};
  for (int i = 0; i < 5; ++i) q->append(envelope("K"), [&](AppendResult) { called.fetch_add(1); });
  q->simulate_crash();
  EXPECT_EQ(called.load(), 0);  // never answered, so never acknowledged to a sender
  q.reset();
  q = open_or_fail(o);
  EXPECT_EQ(q->stats().appended, 1u);
  EXPECT_EQ(q->list(EnvelopeStatus::kReady, 10), std::vector<std::uint64_t>{kept});
}

// ---- a polling source's batch and checkpoint -------------------------------------------------

SourceBatch poll(std::string checkpoint, std::vector<std::string> dedupe_keys) {
  SourceBatch b;
  b.checkpoint_name = "fhir-poll/lab/Observation";
  b.checkpoint = std::move(checkpoint);
  for (auto& k : dedupe_keys) b.envelopes.push_back(envelope("P-" + k, "LAB|" + k, "resource " + k));
  return b;
}

TEST_F(QueueTest, ABatchAndItsCheckpointAreStoredTogetherAndSurviveReopening) {
  {
    auto q = open();
    EXPECT_FALSE(q->checkpoint("fhir-poll/lab/Observation"));
    auto r = append_batch_sync(*q, poll("2026-12-01T10:00:00Z|obs-3", {"obs-1", "obs-2", "obs-3"}));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.results.size(), 3u);
    for (const auto& one : r.results) {
      EXPECT_FALSE(one.error);
      EXPECT_FALSE(one.duplicate);
      EXPECT_NE(one.id, 0u);
    }
    EXPECT_LT(r.results[0].id, r.results[1].id);  // stored in the order given
    EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "2026-12-01T10:00:00Z|obs-3");
    EXPECT_EQ(q->get(r.results[2].id)->raw, "resource obs-3");
  }
  auto q = open();
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "2026-12-01T10:00:00Z|obs-3");
  EXPECT_EQ(q->stats().appended, 3u);
  EXPECT_EQ(q->list(EnvelopeStatus::kReady, 10).size(), 3u);
  EXPECT_FALSE(q->checkpoint("fhir-poll/lab/Patient"));  // checkpoints are per name
}

TEST_F(QueueTest, ABatchOfDuplicatesStoresNothingNewButMovesItsCheckpoint) {
  auto q = open();
  auto first = append_batch_sync(*q, poll("t1", {"a", "b"}));
  ASSERT_FALSE(first.error);
  // The upstream answers the same page again, plus one new resource.
  auto again = append_batch_sync(*q, poll("t2", {"a", "b", "c"}));
  ASSERT_FALSE(again.error);
  ASSERT_EQ(again.results.size(), 3u);
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_EQ(again.results[0].id, first.results[0].id);
  EXPECT_TRUE(again.results[1].duplicate);
  EXPECT_FALSE(again.results[2].duplicate);
  EXPECT_EQ(q->stats().appended, 3u);
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "t2");
  auto only_old = append_batch_sync(*q, poll("t3", {"c"}));
  ASSERT_FALSE(only_old.error);
  EXPECT_TRUE(only_old.results[0].duplicate);
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "t3");
  auto empty = append_batch_sync(*q, poll("t4", {}));  // a poll that found nothing still moves on
  ASSERT_FALSE(empty.error);
  EXPECT_TRUE(empty.results.empty());
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "t4");
}

TEST_F(QueueTest, ABatchIsNeverSplitAcrossWritesEvenWhenLargerThanMaxBatch) {
  auto o = options();
  o.max_batch = 4;
  auto q = open_or_fail(o);
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back("k" + std::to_string(i));
  const auto before = q->stats().fsyncs;
  auto r = append_batch_sync(*q, poll("after-ten", keys));
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.results.size(), 10u);
  EXPECT_EQ(q->stats().fsyncs - before, 1u);  // one synced write for the ten and the checkpoint
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "after-ten");
}

TEST_F(QueueTest, ABatchInterleavedWithAppendsKeepsEveryonesResults) {
  auto o = options();
  o.max_batch_wait = std::chrono::microseconds(20'000);  // gather the three calls into one write
  auto q = open_or_fail(o);
  std::promise<AppendResult> a, c;
  std::promise<BatchOutcome> b;
  q->append(envelope("X", "HIS|1"), [&](AppendResult r) { a.set_value(std::move(r)); });
  q->append_batch(poll("cp", {"p1", "p2"}), [&](std::error_code e, std::vector<AppendResult> r) {
    b.set_value(BatchOutcome{e, std::move(r)});
  });
  q->append(envelope("Y", "HIS|2"), [&](AppendResult r) { c.set_value(std::move(r)); });
  const auto ra = a.get_future().get();
  const auto rb = b.get_future().get();
  const auto rc = c.get_future().get();
  ASSERT_FALSE(ra.error);
  ASSERT_FALSE(rb.error);
  ASSERT_FALSE(rc.error);
  ASSERT_EQ(rb.results.size(), 2u);
  EXPECT_LT(ra.id, rb.results[0].id);
  EXPECT_LT(rb.results[1].id, rc.id);
  EXPECT_EQ(q->get(rb.results[1].id)->raw, "resource p2");
  EXPECT_EQ(q->get(rc.id)->ordering_key, "Y");
}

TEST_F(QueueTest, ACrashBeforeTheWriteLosesTheBatchAndKeepsTheOldCheckpoint) {
  {
    auto q = open();
    ASSERT_FALSE(append_batch_sync(*q, poll("old", {"a"})).error);
  }
  auto o = options();
  o.max_batch_wait = std::chrono::microseconds(10'000'000);  // the committer is still gathering
  auto q = open_or_fail(o);
  std::atomic<bool> called{false};
  q->append_batch(poll("new", {"b", "c"}), [&](std::error_code, std::vector<AppendResult>) { called = true; });
  q->simulate_crash();
  EXPECT_FALSE(called.load());
  q.reset();
  q = open_or_fail(o);
  EXPECT_EQ(q->checkpoint("fhir-poll/lab/Observation"), "old");
  EXPECT_EQ(q->stats().appended, 1u);
}

TEST_F(QueueTest, ABatchAfterCloseFailsAndStoresNothing) {
  auto q = open();
  q->close();
  auto r = append_batch_sync(*q, poll("cp", {"a"}));
  EXPECT_EQ(r.error, QueueErrc::kClosed);
  EXPECT_TRUE(r.results.empty());
}

// ---- dedupe ----------------------------------------------------------------------------------

TEST_F(QueueTest, ADuplicateGetsTheOriginalIdAndAckAndIsNotStored) {
  auto q = open();
  auto first = append_sync(*q, envelope("P1", "HIS|MSG1", "raw1", "ACK-ONE"));
  ASSERT_FALSE(first.error);
  clock_.advance(1'000);
  auto again = append_sync(*q, envelope("P1", "HIS|MSG1", "raw1", "ACK-TWO"));
  ASSERT_FALSE(again.error);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.ack, "ACK-ONE");
  const QueueStats s = q->stats();
  EXPECT_EQ(s.appended, 1u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.depth, 1u);
  EXPECT_EQ(q->list(EnvelopeStatus::kReady, 10), std::vector<std::uint64_t>{first.id});
}

TEST_F(QueueTest, DuplicatesWithinOneBatchAreCaught) {
  auto o = options();
  o.max_batch_wait = std::chrono::microseconds(200'000);
  o.max_batch = 3;  // the third append closes the batch at once
  auto q = open_or_fail(o);
  std::promise<AppendResult> p1, p2, p3;
  q->append(envelope("P1", "HIS|MSG1", "raw", "ACK-ONE"), [&](AppendResult r) { p1.set_value(r); });
  q->append(envelope("P1", "HIS|MSG1", "raw", "ACK-TWO"), [&](AppendResult r) { p2.set_value(r); });
  q->append(envelope("P1", "HIS|MSG2", "raw", "ACK-THREE"), [&](AppendResult r) { p3.set_value(r); });
  auto r1 = p1.get_future().get(), r2 = p2.get_future().get(), r3 = p3.get_future().get();
  EXPECT_EQ(q->stats().fsyncs, 1u);  // one batch
  EXPECT_FALSE(r1.duplicate);
  EXPECT_TRUE(r2.duplicate);
  EXPECT_EQ(r2.id, r1.id);
  EXPECT_EQ(r2.ack, "ACK-ONE");
  EXPECT_FALSE(r3.duplicate);
  EXPECT_EQ(q->stats().appended, 2u);
  EXPECT_EQ(q->stats().duplicates, 1u);
}

TEST_F(QueueTest, ConcurrentDuplicatesStoreExactlyOne) {
  auto q = open();
  constexpr int kThreads = 6;
  std::mutex mu;
  std::vector<AppendResult> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = append_sync(*q, envelope("P", "HIS|M" + std::to_string(i)));
        std::lock_guard lk(mu);
        results.push_back(r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<std::uint64_t, int> originals;
  for (const auto& r : results) {
    ASSERT_FALSE(r.error);
    if (!r.duplicate) ++originals[r.id];
  }
  EXPECT_EQ(originals.size(), 50u);
  EXPECT_EQ(q->stats().appended, 50u);
  EXPECT_EQ(q->stats().duplicates, 50u * (kThreads - 1));
}

TEST_F(QueueTest, TheDedupeWindowEnds) {
  auto q = open();
  const auto a = add(*q, "P", "HIS|MSG1");
  clock_.advance(59'999);
  EXPECT_TRUE(append_sync(*q, envelope("P", "HIS|MSG1")).duplicate);
  clock_.advance(1);  // the window (60 s) counts from the original
  auto r = append_sync(*q, envelope("P", "HIS|MSG1"));
  EXPECT_FALSE(r.duplicate);
  EXPECT_NE(r.id, a);
  EXPECT_TRUE(append_sync(*q, envelope("P", "HIS|MSG1")).duplicate);  // of the new one
}

TEST_F(QueueTest, NoDedupeKeyOrAZeroWindowMeansNoDedupe) {
  {
    auto q = open();
    add(*q, "P");
    add(*q, "P");
    EXPECT_EQ(q->stats().appended, 2u);
  }
  auto o = options();
  o.dedupe_window = milliseconds(0);
  auto q = open_or_fail(o);
  add(*q, "P", "HIS|MSG1");
  add(*q, "P", "HIS|MSG1");
  EXPECT_EQ(q->stats().appended, 4u);
}

TEST_F(QueueTest, DedupeSurvivesReopening) {
  auto q = open();
  auto first = append_sync(*q, envelope("P", "HIS|MSG1", "raw", "ACK-ONE"));
  q->close();
  q = open();
  auto again = append_sync(*q, envelope("P", "HIS|MSG1"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.ack, "ACK-ONE");
  EXPECT_EQ(q->stats().duplicates, 1u);
}

// ---- lease order -----------------------------------------------------------------------------

TEST_F(QueueTest, EachKeyIsLeasedInOrderOneAtATime) {
  auto q = open();
  const auto a1 = add(*q, "A"), a2 = add(*q, "A"), b1 = add(*q, "B");
  auto l = q->lease();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.id, a1);
  EXPECT_EQ(l->envelope.ordering_key, "A");
  EXPECT_EQ(l->attempt, 1u);
  EXPECT_EQ(lease_id(*q), b1);  // B is not held up by A
  EXPECT_EQ(lease_id(*q), 0u);  // a2 waits for a1
  EXPECT_EQ(q->state(a1)->status, EnvelopeStatus::kLeased);
  EXPECT_EQ(q->list(EnvelopeStatus::kLeased, 10), (std::vector<std::uint64_t>{a1, b1}));
  ASSERT_FALSE(q->ack(a1));
  EXPECT_EQ(lease_id(*q), a2);
  EXPECT_EQ(q->state(a1)->status, EnvelopeStatus::kDelivered);
  EXPECT_EQ(q->stats().delivered, 1u);
  EXPECT_EQ(q->stats().depth, 2u);
}

TEST_F(QueueTest, AckAllDeliversABatchInOneSyncedWrite) {
  auto q = open();
  const auto a1 = add(*q, "A"), a2 = add(*q, "A"), b1 = add(*q, "B"), c1 = add(*q, "C");
  ASSERT_EQ(lease_id(*q), a1);
  ASSERT_EQ(lease_id(*q), b1);
  const auto writes_before = q->stats().state_writes;
  // c1 is ready, not leased: refused; the others still commit, in one write.
  auto results = q->ack_all({a1, c1, b1, a1});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_FALSE(results[0]);
  EXPECT_EQ(results[1], QueueErrc::kWrongState);
  EXPECT_FALSE(results[2]);
  EXPECT_TRUE(results[3]);  // the same id twice: acked once
  EXPECT_EQ(q->stats().state_writes, writes_before + 1);
  EXPECT_EQ(q->state(a1)->status, EnvelopeStatus::kDelivered);
  EXPECT_EQ(q->state(b1)->status, EnvelopeStatus::kDelivered);
  EXPECT_EQ(q->state(c1)->status, EnvelopeStatus::kReady);
  EXPECT_EQ(q->stats().delivered, 2u);
  EXPECT_EQ(q->stats().depth, 2u);
  EXPECT_EQ(lease_id(*q), a2);  // A's next message is free once a1 is delivered

  q->close();  // the batch survives reopening, counters included
  q = open();
  EXPECT_EQ(q->state(b1)->status, EnvelopeStatus::kDelivered);
  EXPECT_EQ(q->stats().delivered, 2u);
  EXPECT_EQ(q->stats().depth, 2u);
}

TEST_F(QueueTest, ReadyHeadsGoOutOldestFirst) {
  auto q = open();
  std::vector<std::uint64_t> ids;
  for (const char* k : {"C", "A", "B", "D"}) ids.push_back(add(*q, k));
  for (auto id : ids) EXPECT_EQ(lease_id(*q), id);
}

TEST_F(QueueTest, OrderingKeysWithNulBytesStayApart) {
  auto q = open();
  const std::string k1("A", 1), k2("A\0B", 3);
  const auto x = add(*q, k1), y = add(*q, k2), z = add(*q, k1);
  q->close();
  q = open();  // the schedule comes back from the order index
  EXPECT_EQ(lease_id(*q), x);
  EXPECT_EQ(lease_id(*q), y);
  EXPECT_EQ(lease_id(*q), 0u);
  ASSERT_FALSE(q->ack(x));
  EXPECT_EQ(lease_id(*q), z);
}

// ---- nack and backoff ------------------------------------------------------------------------

TEST_F(QueueTest, ARetryableFailureBacksOffWithFullJitter) {
  auto q = open();
  const auto a = add(*q, "A");
  const auto b = add(*q, "A");
  ASSERT_EQ(lease_id(*q), a);
  const std::int64_t t0 = clock_.now();
  ASSERT_FALSE(q->nack(a, "CRM store down", true));
  auto st = q->state(a);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->status, EnvelopeStatus::kReady);
  EXPECT_EQ(st->attempts, 1u);
  EXPECT_EQ(st->reason, "CRM store down");
  EXPECT_GE(st->not_before_ms, t0);
  EXPECT_LE(st->not_before_ms, t0 + 100);  // first retry: up to base
  EXPECT_EQ(q->next_ready_at_ms(), st->not_before_ms);

  clock_.set(st->not_before_ms - 1);
  EXPECT_EQ(lease_id(*q), 0u);  // neither a (backoff) nor b (behind a)
  clock_.set(st->not_before_ms);
  auto l = q->lease();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.id, a);
  EXPECT_EQ(l->attempt, 2u);

  const std::int64_t t1 = clock_.now();
  ASSERT_FALSE(q->nack(a, "still down", true));
  st = q->state(a);
  EXPECT_EQ(st->attempts, 2u);
  EXPECT_LE(st->not_before_ms, t1 + 200);  // second retry: up to 2 * base
  clock_.set(st->not_before_ms);
  ASSERT_EQ(lease_id(*q), a);
  ASSERT_FALSE(q->ack(a));
  EXPECT_EQ(lease_id(*q), b);
}

TEST_F(QueueTest, TheBackoffSpreadsRetriesOverTheWholeWindow) {
  auto q = open();
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 60; ++i) {
    const auto id = add(*q, "K" + std::to_string(i));
    ASSERT_EQ(lease_id(*q), id);
    ASSERT_FALSE(q->nack(id, "down", true));
    delays.push_back(q->state(id)->not_before_ms - clock_.now());
    ASSERT_FALSE(q->park(id, "out of the way"));  // a delay of 0 would make it due at once
  }
  const auto [lo, hi] = std::minmax_element(delays.begin(), delays.end());
  EXPECT_GE(*lo, 0);
  EXPECT_LT(*lo, 30);
  EXPECT_GT(*hi, 70);
  EXPECT_LE(*hi, 100);
}

TEST_F(QueueTest, TheLastAllowedFailureParks) {
  auto q = open();  // max_attempts = 3
  const auto a = add(*q, "A");
  for (int i = 1; i <= 2; ++i) {
    ASSERT_EQ(lease_id(*q), a);
    ASSERT_FALSE(q->nack(a, "timeout " + std::to_string(i), true));
    clock_.advance(10'000);
  }
  ASSERT_EQ(lease_id(*q), a);
  ASSERT_FALSE(q->nack(a, "timeout 3", true));
  auto st = q->state(a);
  EXPECT_EQ(st->status, EnvelopeStatus::kParked);
  EXPECT_EQ(st->attempts, 3u);
  EXPECT_EQ(st->reason, "timeout 3");
  EXPECT_EQ(q->stats().parked, 1u);
  EXPECT_EQ(q->list(EnvelopeStatus::kParked, 10), std::vector<std::uint64_t>{a});
}

TEST_F(QueueTest, APermanentFailureParksAtOnce) {
  auto q = open();
  const auto a = add(*q, "A");
  ASSERT_EQ(lease_id(*q), a);
  ASSERT_FALSE(q->nack(a, "PID-3 missing", false));
  EXPECT_EQ(q->state(a)->status, EnvelopeStatus::kParked);
  EXPECT_EQ(q->state(a)->attempts, 1u);
}

// ---- park, policies, replay ------------------------------------------------------------------

TEST_F(QueueTest, BlockPolicyHoldsBackOnlyTheParkedKey) {
  auto q = open();
  const auto a1 = add(*q, "A"), a2 = add(*q, "A"), b1 = add(*q, "B"), b2 = add(*q, "B");
  ASSERT_EQ(lease_id(*q), a1);
  ASSERT_FALSE(q->park(a1, "mapping error: OBX-5"));
  EXPECT_EQ(q->state(a1)->reason, "mapping error: OBX-5");
  EXPECT_EQ(lease_id(*q), b1);
  ASSERT_FALSE(q->ack(b1));
  EXPECT_EQ(lease_id(*q), b2);
  ASSERT_FALSE(q->ack(b2));
  EXPECT_EQ(lease_id(*q), 0u);  // a2 stays behind a1
  EXPECT_EQ(q->state(a2)->status, EnvelopeStatus::kReady);

  ASSERT_FALSE(q->replay(a1));
  auto st = q->state(a1);
  EXPECT_EQ(st->status, EnvelopeStatus::kReady);
  EXPECT_EQ(st->attempts, 0u);
  EXPECT_EQ(q->stats().parked, 0u);
  auto l = q->lease();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.id, a1);
  EXPECT_EQ(l->attempt, 1u);
  ASSERT_FALSE(q->ack(a1));
  EXPECT_EQ(lease_id(*q), a2);
}

TEST_F(QueueTest, SkipPolicyLetsTheKeyFlowPastAParkedEnvelope) {
  auto o = options();
  o.park_policy = ParkPolicy::kSkip;
  auto q = open_or_fail(o);
  const auto a1 = add(*q, "A"), a2 = add(*q, "A"), a3 = add(*q, "A");
  ASSERT_EQ(lease_id(*q), a1);
  ASSERT_FALSE(q->nack(a1, "bad", false));
  EXPECT_EQ(lease_id(*q), a2);
  ASSERT_FALSE(q->replay(a1));
  EXPECT_EQ(lease_id(*q), 0u);  // one lease per key, even now
  ASSERT_FALSE(q->ack(a2));
  EXPECT_EQ(lease_id(*q), a1);  // the replayed one is the oldest again
  ASSERT_FALSE(q->ack(a1));
  EXPECT_EQ(lease_id(*q), a3);
}

TEST_F(QueueTest, AnOperatorCanParkAReadyEnvelope) {
  auto q = open();
  const auto a1 = add(*q, "A"), a2 = add(*q, "A");
  ASSERT_FALSE(q->park(a2, "held by operator"));
  EXPECT_EQ(lease_id(*q), a1);  // a1 came before it and flows
  ASSERT_FALSE(q->ack(a1));
  EXPECT_EQ(lease_id(*q), 0u);
}

TEST_F(QueueTest, ChangesThatDoNotFitTheStateAreRefused) {
  auto q = open();
  const auto a = add(*q, "A");
  EXPECT_EQ(q->ack(a), QueueErrc::kWrongState);  // not leased
  EXPECT_EQ(q->nack(a, "x", true), QueueErrc::kWrongState);
  EXPECT_EQ(q->replay(a), QueueErrc::kWrongState);  // not parked
  EXPECT_EQ(q->ack(a + 12345), QueueErrc::kNotFound);
  ASSERT_EQ(lease_id(*q), a);
  ASSERT_FALSE(q->ack(a));
  EXPECT_EQ(q->ack(a), QueueErrc::kNotFound);  // delivered: not among the undelivered
  EXPECT_EQ(q->park(a, "x"), QueueErrc::kNotFound);
  const auto b = add(*q, "B");
  ASSERT_FALSE(q->park(b, "x"));
  EXPECT_EQ(q->park(b, "again"), QueueErrc::kWrongState);
  EXPECT_EQ(q->stats().delivered, 1u);
  EXPECT_EQ(q->stats().parked, 1u);
}

// ---- rejected --------------------------------------------------------------------------------

TEST_F(QueueTest, RejectedEnvelopesAreKeptCountedAndNeverLeased) {
  auto q = open();
  auto r = reject_sync(*q, envelope("", "HIS|MSG9", "garbage\x0b", "MSA|AR"), "MSH-9 missing");
  ASSERT_FALSE(r.error);
  EXPECT_FALSE(r.duplicate);
  auto st = q->state(r.id);
  EXPECT_EQ(st->status, EnvelopeStatus::kRejected);
  EXPECT_EQ(st->reason, "MSH-9 missing");
  EXPECT_EQ(q->get(r.id)->raw, "garbage\x0b");
  EXPECT_FALSE(q->lease());
  EXPECT_EQ(q->list(EnvelopeStatus::kRejected, 10), std::vector<std::uint64_t>{r.id});
  EXPECT_EQ(q->stats().rejected, 1u);
  EXPECT_EQ(q->stats().depth, 0u);
  EXPECT_EQ(q->stats().appended, 0u);
  EXPECT_EQ(q->ack(r.id), QueueErrc::kNotFound);
  // The same control id, fixed and sent again, is a new message, not a duplicate of the rejection.
  auto fixed = append_sync(*q, envelope("P", "HIS|MSG9"));
  EXPECT_FALSE(fixed.duplicate);
  // And a rejection is never answered as a duplicate.
  EXPECT_FALSE(reject_sync(*q, envelope("", "HIS|MSG9"), "again").duplicate);
  EXPECT_EQ(q->stats().rejected, 2u);
}

TEST_F(QueueTest, ListsDeliveredOldestFirstWithALimit) {
  auto q = open();
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(add(*q, "K" + std::to_string(i)));
    ASSERT_EQ(lease_id(*q), ids.back());
    ASSERT_FALSE(q->ack(ids.back()));
  }
  EXPECT_EQ(q->list(EnvelopeStatus::kDelivered, 3), (std::vector<std::uint64_t>{ids[0], ids[1], ids[2]}));
  EXPECT_EQ(q->list(EnvelopeStatus::kDelivered, 100), ids);
  EXPECT_TRUE(q->list(EnvelopeStatus::kRejected, 100).empty());
  EXPECT_TRUE(q->list(EnvelopeStatus::kDelivered, 0).empty());
}

// ---- retention -------------------------------------------------------------------------------

TEST_F(QueueTest, RetentionRemovesOldDeliveredAndRejectedAndKeepsUndelivered) {
  auto q = open();
  auto deliver = [&](const std::string& key) {
    const auto id = add(*q, key);
    EXPECT_EQ(lease_id(*q), id);
    EXPECT_FALSE(q->ack(id));
    return id;
  };
  const auto d1 = deliver("A");
  const auto u2 = add(*q, "B");
  ASSERT_EQ(lease_id(*q), u2);  // leased while retention runs: undelivered
  const auto d3 = deliver("C");
  const auto p4 = add(*q, "D");
  ASSERT_FALSE(q->park(p4, "bad"));
  const auto r5 = reject_sync(*q, envelope("", "", "junk"), "unparseable").id;
  clock_.advance(3'600'000 + 1);  // all of the above are now past retention
  const auto d6 = deliver("E");
  const auto u7 = add(*q, "F");

  auto report = q->run_retention();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->ranges, 3u);  // [0, u2) (u2, p4) (p4, cutoff)
  EXPECT_EQ(report->removed_below, report->cutoff_id);
  for (auto gone : {d1, d3, r5}) {
    EXPECT_FALSE(q->get(gone)) << gone;
    EXPECT_FALSE(q->state(gone)) << gone;
  }
  for (auto kept : {u2, p4, d6, u7}) EXPECT_TRUE(q->get(kept)) << kept;
  EXPECT_EQ(q->state(u2)->status, EnvelopeStatus::kLeased);
  EXPECT_EQ(q->state(p4)->status, EnvelopeStatus::kParked);
  EXPECT_EQ(q->list(EnvelopeStatus::kDelivered, 10), std::vector<std::uint64_t>{d6});
  EXPECT_TRUE(q->list(EnvelopeStatus::kRejected, 10).empty());
  // Counters are totals since creation: retention does not change them.
  EXPECT_EQ(q->stats().delivered, 3u);
  EXPECT_EQ(q->stats().rejected, 1u);
  // The kept ones still work, and survive a reopen.
  ASSERT_FALSE(q->ack(u2));
  q->close();
  q = open();
  EXPECT_EQ(q->stats().depth, 2u);
  EXPECT_EQ(q->list(EnvelopeStatus::kParked, 10), std::vector<std::uint64_t>{p4});
  EXPECT_EQ(lease_id(*q), u7);
}

TEST_F(QueueTest, RetentionStepsAroundAtMostMaxGapsPerRun) {
  auto o = options();
  o.retention_max_gaps = 1;
  auto q = open_or_fail(o);
  auto deliver = [&](const std::string& key) {
    const auto id = add(*q, key);
    EXPECT_EQ(lease_id(*q), id);
    EXPECT_FALSE(q->ack(id));
    return id;
  };
  const auto d1 = deliver("A");
  const auto u2 = add(*q, "B");
  ASSERT_EQ(lease_id(*q), u2);
  const auto d3 = deliver("C");
  clock_.advance(3'600'001);
  auto report = q->run_retention();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->removed_below, u2);
  EXPECT_FALSE(q->get(d1));
  EXPECT_TRUE(q->get(u2));
  EXPECT_TRUE(q->get(d3));  // beyond the one undelivered envelope it may step around: next run
  EXPECT_EQ(q->list(EnvelopeStatus::kDelivered, 10), std::vector<std::uint64_t>{d3});
  ASSERT_FALSE(q->ack(u2));
  ASSERT_TRUE(q->run_retention());
  EXPECT_FALSE(q->get(d3));
}

TEST_F(QueueTest, RetentionExpiresOldDedupeEntriesOnly) {
  auto o = options();
  o.dedupe_window = milliseconds(1'000);
  auto q = open_or_fail(o);
  std::atomic<int> stored{0};
  for (int i = 0; i < 2'500; ++i) {  // more than one chunk of expiry work
    q->append(envelope("P", "OLD" + std::to_string(i)), [&](AppendResult r) { stored.fetch_add(r.error ? 0 : 1); });
  }
  while (stored.load() < 2'500) std::this_thread::sleep_for(milliseconds(1));
  clock_.advance(500);
  const auto young = add(*q, "P", "YOUNG");
  clock_.advance(600);  // the OLD ones are past the window; YOUNG is not
  auto report = q->run_retention();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->dedupe_expired, 2'500u);
  auto r = append_sync(*q, envelope("P", "YOUNG"));
  EXPECT_TRUE(r.duplicate);
  EXPECT_EQ(r.id, young);
  EXPECT_FALSE(append_sync(*q, envelope("P", "OLD7")).duplicate);
  clock_.advance(2'000);
  report = q->run_retention();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->dedupe_expired, 2u);  // YOUNG and the new OLD7
}

// ---- counters and recovery -------------------------------------------------------------------

TEST_F(QueueTest, CountersSurviveReopening) {
  QueueStats before;
  {
    auto q = open();
    const auto a = add(*q, "A", "D1");
    const auto a2 = add(*q, "A", "D2");
    const auto b = add(*q, "B");
    append_sync(*q, envelope("A", "D1"));  // duplicate
    reject_sync(*q, envelope(""), "junk");
    ASSERT_EQ(lease_id(*q), a);
    ASSERT_FALSE(q->ack(a));
    ASSERT_EQ(lease_id(*q), a2);  // leased at close: still undelivered
    ASSERT_EQ(lease_id(*q), b);
    ASSERT_FALSE(q->park(b, "bad"));
    before = q->stats();
    EXPECT_EQ(before.state_writes, 2u);
  }
  auto q = open();
  const QueueStats after = q->stats();
  EXPECT_EQ(after.appended, 3u);
  EXPECT_EQ(after.duplicates, 1u);
  EXPECT_EQ(after.rejected, 1u);
  EXPECT_EQ(after.delivered, 1u);
  EXPECT_EQ(after.parked, 1u);
  EXPECT_EQ(after.depth, 2u);
  EXPECT_EQ(after.appended, before.appended);
  EXPECT_EQ(after.depth, before.depth);
  EXPECT_EQ(after.fsyncs, 0u);  // per open
}

TEST_F(QueueTest, ALeaseInFlightAtACrashIsReadyAgain) {
  auto q = open();
  const auto a = add(*q, "A"), b = add(*q, "A");
  ASSERT_EQ(lease_id(*q), a);
  q->simulate_crash();
  q.reset();
  q = open();
  auto st = q->state(a);
  EXPECT_EQ(st->status, EnvelopeStatus::kReady);
  EXPECT_EQ(st->attempts, 0u);
  auto l = q->lease();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.id, a);  // still first: order holds across the crash
  EXPECT_EQ(l->attempt, 1u);
  ASSERT_FALSE(q->ack(a));
  EXPECT_EQ(lease_id(*q), b);
}

TEST_F(QueueTest, BackoffParkedAndDeliveredSurviveACrash) {
  std::uint64_t a = 0, b = 0, c = 0;
  std::int64_t not_before = 0;
  {
    auto q = open();
    a = add(*q, "A");
    b = add(*q, "B");
    c = add(*q, "C");
    ASSERT_EQ(lease_id(*q), a);
    ASSERT_EQ(lease_id(*q), b);
    ASSERT_EQ(lease_id(*q), c);
    ASSERT_FALSE(q->nack(a, "down", true));
    not_before = q->state(a)->not_before_ms;
    ASSERT_FALSE(q->park(b, "bad"));
    ASSERT_FALSE(q->ack(c));
    q->simulate_crash();
  }
  auto q = open();
  auto sa = q->state(a);
  EXPECT_EQ(sa->status, EnvelopeStatus::kReady);
  EXPECT_EQ(sa->attempts, 1u);
  EXPECT_EQ(sa->not_before_ms, not_before);
  EXPECT_EQ(sa->reason, "down");
  EXPECT_EQ(q->state(b)->status, EnvelopeStatus::kParked);
  EXPECT_EQ(q->state(c)->status, EnvelopeStatus::kDelivered);
  clock_.set(not_before - 1);
  EXPECT_EQ(lease_id(*q), 0u);
  clock_.set(not_before);
  EXPECT_EQ(lease_id(*q), a);
}

TEST_F(QueueTest, ConcurrentWorkersDeliverEverythingOnceAndInOrderPerKey) {
  auto q = open();
  constexpr int kAppenders = 2, kEach = 300, kWorkers = 4, kKeys = 7;
  std::atomic<int> appended{0};
  std::atomic<bool> appending{true};
  std::mutex mu;
  std::map<std::string, std::vector<std::uint64_t>> leased_per_key;
  std::set<std::uint64_t> delivered;
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        q->append(envelope("K" + std::to_string((t * kEach + i) % kKeys)), [&](AppendResult r) {
          if (r.error) failures.fetch_add(1);
          appended.fetch_add(1);
        });
      }
    });
  }
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(static_cast<unsigned>(w));
      for (;;) {
        auto l = q->lease();
        if (!l) {
          if (!appending.load() && q->stats().depth == 0) return;
          clock_.advance(20);  // mock time moves while workers idle, so backoffs end
          std::this_thread::yield();
          continue;
        }
        {
          std::lock_guard lk(mu);
          leased_per_key[l->envelope.ordering_key].push_back(l->envelope.id);
        }
        if (l->attempt < 3 && rng() % 5 == 0) {  // fails, but never often enough to park
          if (q->nack(l->envelope.id, "transient", true)) failures.fetch_add(1);
          continue;
        }
        if (q->ack(l->envelope.id)) failures.fetch_add(1);
        std::lock_guard lk(mu);
        if (!delivered.insert(l->envelope.id).second) failures.fetch_add(1);
      }
    });
  }
  for (int t = 0; t < kAppenders; ++t) threads[static_cast<std::size_t>(t)].join();
  while (appended.load() < kAppenders * kEach) std::this_thread::sleep_for(milliseconds(1));
  appending.store(false);
  for (std::size_t t = kAppenders; t < threads.size(); ++t) threads[t].join();

  EXPECT_EQ(failures.load(), 0);
  const QueueStats s = q->stats();
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kAppenders * kEach));
  EXPECT_EQ(s.delivered, delivered.size());
  EXPECT_EQ(s.depth, 0u);
  for (const auto& [key, ids] : leased_per_key) {
    // Leases of a key never go backwards: a retry repeats the same id, then the key moves on.
    for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LE(ids[i - 1], ids[i]) << key;
  }
}

// ---- corruption ------------------------------------------------------------------------------

// Opens the queue's database directly, as a disk fault or a bad tool would, and overwrites a value.
void overwrite(const std::string& path, const std::string& family, const std::string& key, const std::string& value) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) {
    rocksdb::ColumnFamilyOptions o;
    if (n == "meta") o.merge_operator = make_counter_merge_operator();  // recovery may flush its merges
    descs.emplace_back(n, o);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descs, &handles, &db).ok());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == family) {
      EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], key, value).ok());
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

TEST_F(QueueTest, ACorruptEnvelopeIsParkedNotHandedOut) {
  std::uint64_t bad = 0, good = 0;
  {
    auto q = open();
    bad = add(*q, "A");
    good = add(*q, "B");
  }
  overwrite(dir_.path(), "envelopes", id_key(bad), "\x01garbage");
  auto q = open();
  EXPECT_FALSE(q->get(bad));
  EXPECT_EQ(lease_id(*q), good);
  auto st = q->state(bad);
  EXPECT_EQ(st->status, EnvelopeStatus::kParked);
  EXPECT_NE(st->reason.find("unreadable record"), std::string::npos) << st->reason;
}

// A file system whose syncs fail on demand: the disk that stops accepting writes.
class FailingFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FailingFs(const std::shared_ptr<rocksdb::FileSystem>& target) : FileSystemWrapper(target) {}
  const char* Name() const override { return "FailingFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), *this);
    return s;
  }

  std::atomic<bool> fail{false};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& f, FailingFs& fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      return fs_.fail ? rocksdb::IOStatus::IOError("injected sync failure") : target()->Sync(o, d);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      return fs_.fail ? rocksdb::IOStatus::IOError("injected fsync failure") : target()->Fsync(o, d);
    }

   private:
    FailingFs& fs_;
  };
};

TEST_F(QueueTest, AFailedSyncReportsNothingStored) {
  auto fs = std::make_shared<FailingFs>(rocksdb::FileSystem::Default());
  const std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto o = options();
  o.env = env.get();
  auto q = open_or_fail(o);
  const auto a = add(*q, "A", "D1");
  ASSERT_EQ(lease_id(*q), a);
  fs->fail = true;

  auto r = append_sync(*q, envelope("B", "D2"));
  EXPECT_EQ(r.error, QueueErrc::kWriteFailed);
  EXPECT_EQ(r.id, 0u);
  EXPECT_FALSE(r.duplicate);
  EXPECT_EQ(reject_sync(*q, envelope(""), "junk").error, QueueErrc::kWriteFailed);
  SourceBatch batch;
  batch.checkpoint_name = "poll";
  batch.checkpoint = "after";
  batch.envelopes.push_back(envelope("C", "D3"));
  const auto failed_batch = append_batch_sync(*q, std::move(batch));
  EXPECT_EQ(failed_batch.error, QueueErrc::kWriteFailed);
  EXPECT_TRUE(failed_batch.results.empty());
  EXPECT_EQ(q->ack(a), QueueErrc::kWriteFailed);
  EXPECT_EQ(q->state(a)->status, EnvelopeStatus::kLeased);  // unchanged: the worker may try again
  const QueueStats s = q->stats();
  EXPECT_EQ(s.appended, 1u);
  EXPECT_EQ(s.rejected, 0u);
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_EQ(s.depth, 1u);
  EXPECT_EQ(s.fsynced_appends, 1u);
  EXPECT_EQ(lease_id(*q), 0u);  // nothing unsynced became leasable
  q->close();
}

TEST_F(QueueTest, OpenRefusesAForeignOrNewerFormat) {
  { auto q = open(); }
  overwrite(dir_.path(), "meta", "format", "medgw-queue/99");
  auto q = RocksDbQueue::open(options());
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().find("medgw-queue/99"), std::string::npos) << q.error();
}

TEST_F(QueueTest, OpenReportsAnUnusablePath) {
  auto o = options();
  o.path = "/proc/medgw-no-such-dir/queue";
  auto q = RocksDbQueue::open(o);
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().find(o.path), std::string::npos) << q.error();
}

// A fresh deployment points at ./var/queue before ./var exists (deploy/medgw.yaml, `make run`).
TEST(QueueOpen, CreatesEveryMissingDirectoryOfItsPath) {
  TempDir dir;
  MockClock clock;
  RocksDbQueueOptions o = test_options(dir, clock);
  o.path = dir.path() + "/var/deeper/queue";
  auto q = open_or_fail(o);
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(std::filesystem::is_directory(o.path));
}

}  // namespace
}  // namespace medgw::queue

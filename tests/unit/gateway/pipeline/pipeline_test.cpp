// The pipeline workers: lease, map, apply in batches, ack; park what cannot map or apply; retry
// what the store could not take; keep each patient's messages in order.
#include "gateway/pipeline/pipeline.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "queue_test_support.hpp"

namespace medgw::pipeline {
namespace {

using queue::test::append_sync;
using queue::test::MockClock;
using queue::test::TempDir;

// A CRM store that records what it was given and answers as scripted.
class ScriptedStore : public crmstore::CrmStore {
 public:
  Expected<std::vector<crmstore::ApplyResult>, crmstore::StoreError> apply(
      std::span<const crmstore::ChangeItem> batch) override {
    std::lock_guard lk(mu);
    ++batches;
    if (failures_left > 0) {
      --failures_left;
      return unexpected(crmstore::StoreError{"database is locked", true});
    }
    std::vector<crmstore::ApplyResult> results;
    for (const auto& item : batch) {
      if (refuse_type == item.changes->message_type) {
        results.push_back({crmstore::ApplyStatus::kRefused, "no patient to merge"});
        continue;
      }
      if (applied.count(item.envelope_id)) {
        results.push_back({crmstore::ApplyStatus::kAlreadyApplied, {}});
        continue;
      }
      applied[item.envelope_id] = item.changes->message_control_id;
      order.push_back(item.changes->message_control_id);
      results.push_back({crmstore::ApplyStatus::kApplied, {}});
    }
    return results;
  }
  Expected<std::optional<std::string>, crmstore::StoreError> archive_bundle(std::string_view,
                                                                            std::string_view) override {
    return std::optional<std::string>();
  }

  std::mutex mu;
  int batches = 0;
  int failures_left = 0;
  std::string refuse_type;
  std::map<std::uint64_t, std::string> applied;
  std::vector<std::string> order;  // control ids in the order they were applied
};

std::string adt(const std::string& control_id, const std::string& mrn, const std::string& event = "A08") {
  return "MSH|^~\\&|HIS|HOSP|CRM|HOSP|20240301083000||ADT^" + event + "^ADT_A01|" + control_id + "|P|2.5.1\rEVN|" +
         event + "|20240301083000\rPID|1||" + mrn + "^^^HOSP^MR||Wang^Fang||19800101|F\rPV1|1|O\r";
}

Envelope envelope_of(const std::string& raw, const std::string& key) {
  Envelope e;
  e.source = "his";
  e.content_type = kContentTypeHl7v2;
  e.raw = raw;
  e.ordering_key = key;
  return e;
}

// A destination that records what it received and answers as scripted, per control id.
class ScriptedDestination : public Destination {
 public:
  std::string_view name() const override { return "test destination"; }
  std::vector<DeliveryResult> deliver(const std::vector<const model::ChangeSet*>& changes) override {
    std::lock_guard lk(mu);
    std::vector<DeliveryResult> out;
    for (const auto* c : changes) {
      received.push_back(c->message_control_id);
      auto f = failures_left.find(c->message_control_id);
      if (f != failures_left.end() && f->second > 0) {
        --f->second;
        out.push_back({DeliveryResult::Kind::kRetry, "HTTP 503"});
      } else if (refuse.count(c->message_control_id)) {
        out.push_back({DeliveryResult::Kind::kPermanent, "HTTP 422 (invalid)"});
      } else {
        out.push_back({DeliveryResult::Kind::kDelivered, {}});
      }
    }
    return out;
  }
  std::mutex mu;
  std::vector<std::string> received;
  std::map<std::string, int> failures_left;
  std::set<std::string> refuse;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opts = queue::test::test_options(dir_, clock_);
    opts.max_attempts = 5;
    queue_ = queue::test::open_or_fail(opts);
  }

  std::uint64_t add(const std::string& raw, const std::string& key) {
    auto r = append_sync(*queue_, envelope_of(raw, key));
    EXPECT_FALSE(r.error);
    return r.id;
  }

  // Runs the pipeline until `done` holds (or 20 s pass), then stops it.
  template <class Pred>
  bool run_until(Pred done, PipelineConfig config = {2, 8, std::chrono::milliseconds(2)}) {
    Pipeline p(*queue_, store_, mapper_, config, nullptr, destination_);
    p.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool ok = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) {
        ok = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    p.stop();
    counters_applied_ = p.counters().applied.load();
    counters_delivered_ = p.counters().delivered.load();
    return ok;
  }

  TempDir dir_;
  MockClock clock_;
  std::unique_ptr<queue::RocksDbQueue> queue_;
  ScriptedStore store_;
  MessageMapper mapper_{nullptr, {}};
  std::uint64_t counters_applied_ = 0;
  std::uint64_t counters_delivered_ = 0;
  Destination* destination_ = nullptr;
};

TEST_F(PipelineTest, DeliversEveryMessageInOrderPerPatientAndAcksIt) {
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 40; ++i) {
    ids.push_back(add(adt("M" + std::to_string(i), "P" + std::to_string(i % 4)), "his|P" + std::to_string(i % 4)));
  }
  ASSERT_TRUE(run_until([&] { return queue_->stats().delivered == 40; }));
  for (auto id : ids) EXPECT_EQ(queue_->state(id)->status, EnvelopeStatus::kDelivered);
  EXPECT_EQ(counters_applied_, 40u);
  // Per patient, control ids apply in the order they arrived.
  std::map<int, int> last;
  for (const auto& ctrl : store_.order) {
    const int n = std::stoi(ctrl.substr(1));
    auto it = last.find(n % 4);
    if (it != last.end()) {
      EXPECT_LT(it->second, n) << "patient P" << n % 4 << " out of order";
    }
    last[n % 4] = n;
  }
  EXPECT_LT(store_.batches, 40) << "change sets should share transactions";
}

TEST_F(PipelineTest, AMessageWithoutAMappingIsParkedAsUnsupported) {
  const auto id = add("MSH|^~\\&|HIS|HOSP|CRM|HOSP|20240301||QRY^Q01|Q1|P|2.5.1\rQRD|20240301|R|I|Q1\r", "his|");
  ASSERT_TRUE(run_until([&] { return queue_->state(id)->status == EnvelopeStatus::kParked; }));
  const auto reason = queue_->state(id)->reason;
  EXPECT_EQ(reason.rfind("unsupported: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("QRY"), std::string::npos) << reason;
  EXPECT_TRUE(store_.applied.empty());
  ASSERT_TRUE(queue_->get(id));  // kept, never lost
}

TEST_F(PipelineTest, UndecodableBytesAreParkedWithTheLocation) {
  // GBK bytes with no MSH-18 and no configured default charset: not valid UTF-8.
  const auto id = add(adt("G1", "P1").replace(adt("G1", "P1").find("Wang"), 4, "\xCD\xF5"), "his|P1");
  ASSERT_TRUE(run_until([&] { return queue_->state(id)->status == EnvelopeStatus::kParked; }));
  const auto reason = queue_->state(id)->reason;
  EXPECT_EQ(reason.rfind("undecodable: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("PID"), std::string::npos) << reason;
}

TEST_F(PipelineTest, AStoreErrorRetriesTheBatchLater) {
  store_.failures_left = 1;
  const auto id = add(adt("R1", "P1"), "his|P1");
  // The first attempt fails and backs off (mock clock); move time past any backoff.
  ASSERT_TRUE(run_until([&] {
    auto st = queue_->state(id);
    if (st->status == EnvelopeStatus::kReady && st->attempts == 1) clock_.advance(2'000);
    return st->status == EnvelopeStatus::kDelivered;
  }));
  EXPECT_EQ(queue_->state(id)->attempts, 1u);
  EXPECT_EQ(store_.applied.size(), 1u);
}

TEST_F(PipelineTest, ARefusedChangeSetIsParkedAndTheOthersGoOn) {
  store_.refuse_type = "ADT^A40";
  const auto bad = add(adt("X1", "P1", "A40") + "MRG|P9^^^HOSP^MR\r", "his|P1");
  const auto good = add(adt("X2", "P2"), "his|P2");
  ASSERT_TRUE(run_until([&] {
    return queue_->state(bad)->status == EnvelopeStatus::kParked &&
           queue_->state(good)->status == EnvelopeStatus::kDelivered;
  }));
  EXPECT_NE(queue_->state(bad)->reason.find("no patient to merge"), std::string::npos);
}

TEST_F(PipelineTest, ARedeliveryAfterACrashIsRecognisedNotWrittenTwice) {
  const auto id = add(adt("D1", "P1"), "his|P1");
  // The store committed it, then the gateway died before the queue's ack.
  store_.applied[id] = "D1";
  ASSERT_TRUE(run_until([&] { return queue_->state(id)->status == EnvelopeStatus::kDelivered; }));
  EXPECT_TRUE(store_.order.empty());
}

// ---- a destination after the store ------------------------------------------------------------

TEST_F(PipelineTest, ADestinationGetsEveryCommittedChangeSetBeforeTheAck) {
  ScriptedDestination dest;
  destination_ = &dest;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(add(adt("F" + std::to_string(i), "P" + std::to_string(i % 3)), "his|P" + std::to_string(i % 3)));
  ASSERT_TRUE(run_until([&] { return queue_->stats().delivered == 12; }));
  EXPECT_EQ(counters_delivered_, 12u);
  std::lock_guard lk(dest.mu);
  EXPECT_EQ(dest.received.size(), 12u);
  EXPECT_EQ(std::set<std::string>(dest.received.begin(), dest.received.end()).size(), 12u);
}

TEST_F(PipelineTest, AFailedDeliveryIsRetriedAndTheStoreIsNotWrittenTwice) {
  ScriptedDestination dest;
  dest.failures_left["R7"] = 2;
  destination_ = &dest;
  const auto id = add(adt("R7", "P1"), "his|P1");
  const auto other = add(adt("R8", "P2"), "his|P2");
  ASSERT_TRUE(run_until([&] {
    auto st = queue_->state(id);
    if (st->status == EnvelopeStatus::kReady && st->attempts > 0) clock_.advance(2'000);  // past the backoff
    return st->status == EnvelopeStatus::kDelivered && queue_->state(other)->status == EnvelopeStatus::kDelivered;
  }));
  EXPECT_EQ(queue_->state(id)->attempts, 2u);
  EXPECT_EQ(store_.order.size(), 2u) << "applied once each; the retries were recognised";
  std::lock_guard lk(dest.mu);
  EXPECT_EQ(std::count(dest.received.begin(), dest.received.end(), "R7"), 3);
  EXPECT_EQ(std::count(dest.received.begin(), dest.received.end(), "R8"), 1);
}

TEST_F(PipelineTest, ARefusedDeliveryIsParkedWithTheDestinationsReason) {
  ScriptedDestination dest;
  dest.refuse.insert("Z1");
  destination_ = &dest;
  const auto bad = add(adt("Z1", "P1"), "his|P1");
  const auto good = add(adt("Z2", "P2"), "his|P2");
  ASSERT_TRUE(run_until([&] {
    return queue_->state(bad)->status == EnvelopeStatus::kParked &&
           queue_->state(good)->status == EnvelopeStatus::kDelivered;
  }));
  const auto reason = queue_->state(bad)->reason;
  EXPECT_EQ(reason, "test destination: HTTP 422 (invalid)");
  EXPECT_EQ(store_.applied.size(), 2u);  // the archive has it: only the destination refused
}

}  // namespace
}  // namespace medgw::pipeline

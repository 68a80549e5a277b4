// The in-memory schedule: one lease per key, its head only; oldest ready head first across keys;
// backoff; both park policies; replay.
#include "queue/schedule.hpp"

#include <gtest/gtest.h>

namespace medgw::queue {
namespace {

constexpr std::int64_t kNow = 1'000;
const ScheduledItem kReadyItem{};
const ScheduledItem kParkedItem{EnvelopeStatus::kParked, 3, 0};

TEST(Schedule, LeasesTheOldestReadyHeadAcrossKeys) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(10, "B", kReadyItem);
  s.add(11, "A", kReadyItem);
  s.add(12, "B", kReadyItem);
  EXPECT_EQ(s.lease(kNow), 10u);
  EXPECT_EQ(s.lease(kNow), 11u);
  EXPECT_EQ(s.lease(kNow), std::nullopt);  // 12 waits behind the leased 10
  s.remove(10);
  EXPECT_EQ(s.lease(kNow), 12u);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.leased(), 2u);
}

TEST(Schedule, ARetryWaitsForItsBackoffAndKeepsItsKeyBehindIt) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(1, "A", kReadyItem);
  s.add(2, "A", kReadyItem);
  s.add(3, "B", kReadyItem);
  ASSERT_EQ(s.lease(kNow), 1u);
  s.retry(1, 1, kNow + 50);
  EXPECT_EQ(s.next_not_before(), 0);  // 3 is ready now
  EXPECT_EQ(s.lease(kNow), 3u);
  EXPECT_EQ(s.lease(kNow + 49), std::nullopt);
  EXPECT_EQ(s.next_not_before(), kNow + 50);
  EXPECT_EQ(s.lease(kNow + 50), 1u);
  EXPECT_EQ(s.find(1)->attempts, 1u);
}

TEST(Schedule, BlockPolicyHoldsOnlyTheLaterEnvelopesOfTheParkedKey) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(1, "A", kReadyItem);
  s.add(2, "A", kReadyItem);
  s.add(3, "B", kReadyItem);
  ASSERT_EQ(s.lease(kNow), 1u);
  s.park(1, 1);
  EXPECT_EQ(s.lease(kNow), 3u);
  EXPECT_EQ(s.lease(kNow), std::nullopt);
  s.replay(1);
  EXPECT_EQ(s.find(1)->attempts, 0u);
  EXPECT_EQ(s.lease(kNow), 1u);
  s.remove(1);
  EXPECT_EQ(s.lease(kNow), 2u);
}

TEST(Schedule, BlockPolicyLetsEarlierEnvelopesOfTheKeyFlow) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(1, "A", kReadyItem);
  s.add(2, "A", kReadyItem);
  s.add(3, "A", kReadyItem);
  s.park(2, 0);  // an operator parks the middle one
  ASSERT_EQ(s.lease(kNow), 1u);
  s.remove(1);
  EXPECT_EQ(s.lease(kNow), std::nullopt);
  EXPECT_EQ(s.list(EnvelopeStatus::kParked, 10), std::vector<std::uint64_t>{2});
}

TEST(Schedule, SkipPolicyFlowsPastAndReplayRejoinsInOrder) {
  Schedule s(ParkPolicy::kSkip);
  s.add(1, "A", kReadyItem);
  s.add(2, "A", kReadyItem);
  s.add(3, "A", kReadyItem);
  ASSERT_EQ(s.lease(kNow), 1u);
  s.park(1, 1);
  ASSERT_EQ(s.lease(kNow), 2u);
  s.replay(1);
  EXPECT_EQ(s.lease(kNow), std::nullopt);  // still one lease per key
  s.remove(2);
  EXPECT_EQ(s.lease(kNow), 1u);  // the replayed one is the head again
  s.remove(1);
  EXPECT_EQ(s.lease(kNow), 3u);
}

TEST(Schedule, RebuildAcceptsParkedEnvelopesAndAnyKeyOrder) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(5, "A", kReadyItem);
  s.add(2, "A", kParkedItem);
  s.add(7, "B", ScheduledItem{EnvelopeStatus::kReady, 2, kNow + 10});
  EXPECT_EQ(s.parked(), 1u);
  EXPECT_EQ(s.lease(kNow), std::nullopt);  // A is blocked by 2, B is in backoff
  EXPECT_EQ(s.lease(kNow + 10), 7u);
  EXPECT_EQ(s.ids_below(6, 10), (std::vector<std::uint64_t>{2, 5}));
  EXPECT_EQ(s.ids_below(100, 1), (std::vector<std::uint64_t>{2}));
}

TEST(Schedule, KeysGoAwayWhenEmpty) {
  Schedule s(ParkPolicy::kBlockKey);
  s.add(1, "A", kReadyItem);
  s.add(2, "B", kReadyItem);
  EXPECT_EQ(s.keys(), 2u);
  ASSERT_EQ(s.lease(kNow), 1u);
  s.remove(1);
  EXPECT_EQ(s.keys(), 1u);
  EXPECT_EQ(s.ordering_key_of(2), "B");
  EXPECT_EQ(s.find(1), nullptr);
}

}  // namespace
}  // namespace medgw::queue

#include "gateway/pipeline/apply_notifier.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace medgw::pipeline {
namespace {

using namespace std::chrono_literals;

TEST(ApplyNotifier, AWaiterRegisteredAfterThePublishStillGetsTheOutcome) {
  ApplyNotifier n;
  n.publish(7, ApplyOutcome{ApplyOutcome::Kind::kApplied, {}, {}});
  auto got = n.wait(7, 0ms);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, ApplyOutcome::Kind::kApplied);
}

TEST(ApplyNotifier, AWaiterIsWokenByThePublish) {
  ApplyNotifier n;
  std::thread publisher([&] {
    std::this_thread::sleep_for(50ms);
    n.publish(9, ApplyOutcome{ApplyOutcome::Kind::kParked, "version-conflict", "refused"});
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto got = n.wait(9, 10s);
  publisher.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, ApplyOutcome::Kind::kParked);
  EXPECT_EQ(got->code, "version-conflict");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(ApplyNotifier, OtherEnvelopesDoNotAnswerAndTheWaitTimesOut) {
  ApplyNotifier n;
  n.publish(1, ApplyOutcome{});
  EXPECT_FALSE(n.wait(2, 30ms));
}

TEST(ApplyNotifier, OnlyTheMostRecentOutcomesAreRemembered) {
  ApplyNotifier n(4);
  for (std::uint64_t id = 1; id <= 10; ++id) n.publish(id, ApplyOutcome{});
  EXPECT_FALSE(n.wait(1, 0ms));
  EXPECT_FALSE(n.wait(6, 0ms));
  EXPECT_TRUE(n.wait(7, 0ms));
  EXPECT_TRUE(n.wait(10, 0ms));
}

TEST(ApplyNotifier, ShutdownReleasesWaitersAtOnce) {
  ApplyNotifier n;
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    n.shutdown();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(n.wait(3, 30s));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_FALSE(n.wait(4, 30s));  // and later waits return at once
}

}  // namespace
}  // namespace medgw::pipeline

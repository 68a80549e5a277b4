#include "adapters/fhir/poll_watermark.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

InstantKey at(const char* text) {
  auto k = parse_instant(text);
  EXPECT_TRUE(k) << text;
  return k.value_or(InstantKey{});
}

TEST(ParseInstant, OneInstantWrittenSeveralWaysIsEqual) {
  EXPECT_EQ(at("2024-03-01T10:00:00.5Z"), at("2024-03-01T10:00:00.500Z"));
  EXPECT_EQ(at("2024-03-01T10:00:00.5Z"), at("2024-03-01T12:00:00.5+02:00"));
  EXPECT_EQ(at("2024-03-01T00:30:00Z"), at("2024-02-29T23:30:00-01:00"));
  EXPECT_EQ(at("1970-01-01T00:00:00Z").seconds, 0);
  EXPECT_EQ(at("1970-01-02T00:00:01Z").seconds, 86'401);
}

TEST(ParseInstant, OrdersByTimeNotByText) {
  EXPECT_LT(at("2024-03-01T10:00:00Z"), at("2024-03-01T10:00:00.001Z"));
  EXPECT_LT(at("2024-03-01T10:00:00.999999999Z"), at("2024-03-01T10:00:01Z"));
  // Text order says the opposite here: the zone decides.
  EXPECT_LT(at("2024-03-01T11:00:00+02:00"), at("2024-03-01T10:00:00Z"));
}

TEST(ParseInstant, RefusesWhatIsNotAnInstant) {
  for (const char* bad : {"", "2024-03-01", "2024-03-01T10:00:00", "2024-03-01T10:00Z", "2024-13-01T10:00:00Z",
                          "2024-02-30T10:00:00Z", "2024-03-01T24:00:00Z", "2024-03-01T10:00:00.Z",
                          "2024-03-01T10:00:00+2:00", "2024-03-01T10:00:00Zjunk", "x024-03-01T10:00:00Z"}) {
    EXPECT_FALSE(parse_instant(bad)) << bad;
  }
}

TEST(Watermark, TiesAtTheWatermarkAreSeenByIdOnly) {
  Watermark w;
  EXPECT_FALSE(w.seen(at("2024-03-01T10:00:00Z"), "a"));
  w.record(at("2024-03-01T10:00:00Z"), "2024-03-01T10:00:00Z", "a");
  w.record(at("2024-03-01T10:00:00.000Z"), "2024-03-01T10:00:00.000Z", "b");
  EXPECT_EQ(w.last_updated(), "2024-03-01T10:00:00Z");  // the first text of the instant stays
  EXPECT_TRUE(w.seen(at("2024-03-01T10:00:00Z"), "a"));
  EXPECT_TRUE(w.seen(at("2024-03-01T12:00:00+02:00"), "b"));
  EXPECT_FALSE(w.seen(at("2024-03-01T10:00:00Z"), "c"));  // a tie not yet stored: not skipped
  EXPECT_FALSE(w.seen(at("2024-03-01T10:00:01Z"), "a"));  // a later version of a: not skipped
  EXPECT_FALSE(w.seen(at("2024-03-01T09:59:59Z"), "a"));  // older: never skipped (dedupe decides)
}

TEST(Watermark, ALaterInstantStartsANewSetAnEarlierOneChangesNothing) {
  Watermark w;
  w.record(at("2024-03-01T10:00:00Z"), "2024-03-01T10:00:00Z", "a");
  w.record(at("2024-03-01T10:00:00Z"), "2024-03-01T10:00:00Z", "b");
  w.record(at("2024-03-01T10:00:05Z"), "2024-03-01T10:00:05Z", "c");
  EXPECT_EQ(w.last_updated(), "2024-03-01T10:00:05Z");
  EXPECT_EQ(w.ids(), (std::set<std::string, std::less<>>{"c"}));
  w.record(at("2024-03-01T10:00:01Z"), "2024-03-01T10:00:01Z", "d");
  EXPECT_EQ(w.last_updated(), "2024-03-01T10:00:05Z");
  EXPECT_EQ(w.ids(), (std::set<std::string, std::less<>>{"c"}));
}

TEST(Watermark, TheSeenSetIsBoundedAndTheOverflowIsReadAgainNotSkipped) {
  Watermark w;
  const InstantKey t = at("2024-03-01T10:00:00Z");
  for (std::size_t i = 0; i < kMaxIdsAtTimestamp + 10; ++i)
    w.record(t, "2024-03-01T10:00:00Z", "r" + std::to_string(i));
  EXPECT_EQ(w.ids().size(), kMaxIdsAtTimestamp);
  EXPECT_TRUE(w.seen(t, "r0"));
  EXPECT_FALSE(w.seen(t, "r" + std::to_string(kMaxIdsAtTimestamp + 5)));  // stored again: a duplicate
  auto back = Watermark::decode(w.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ids().size(), kMaxIdsAtTimestamp);
}

TEST(Watermark, EncodesAndDecodes) {
  Watermark w;
  w.record(at("2024-03-01T10:00:00.123+08:00"), "2024-03-01T10:00:00.123+08:00", "x-1");
  w.record(at("2024-03-01T10:00:00.123+08:00"), "2024-03-01T10:00:00.123+08:00", "x.2");
  auto back = Watermark::decode(w.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, w);
  EXPECT_TRUE(back->seen(at("2024-03-01T02:00:00.123Z"), "x.2"));
  auto empty = Watermark::decode(Watermark().encode());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Watermark, RefusesACheckpointThatIsNotOurs) {
  for (const char* bad : {"", "{}", "[]", "not json", R"({"v":2,"lastUpdated":"","ids":[]})",
                          R"({"v":1,"lastUpdated":"yesterday","ids":[]})", R"({"v":1,"lastUpdated":"","ids":["a"]})",
                          R"({"v":1,"lastUpdated":"2024-03-01T10:00:00Z","ids":[1]})",
                          R"({"v":1,"lastUpdated":"2024-03-01T10:00:00Z"})"}) {
    EXPECT_FALSE(Watermark::decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace medgw::fhir

// Keys (key_codec.hpp) and records (record_codec.hpp): round trips, byte order that matches
// numeric and key order, and corruption detected rather than misread.
#include <gtest/gtest.h>

#include <string>

#include "queue/key_codec.hpp"
#include "queue/record_codec.hpp"

namespace medgw::queue {
namespace {

TEST(KeyCodec, IdKeysSortLikeIds) {
  EXPECT_LT(id_key(1), id_key(2));
  EXPECT_LT(id_key(255), id_key(256));
  EXPECT_LT(id_key(0x00FF'FFFF'FFFF'FFFFull), id_key(0x0100'0000'0000'0000ull));
  EXPECT_EQ(parse_id_key(id_key(0x1234'5678'9ABC'DEF0ull)), 0x1234'5678'9ABC'DEF0ull);
  EXPECT_FALSE(parse_id_key("short"));
}

TEST(KeyCodec, OrderKeysRoundTripAndKeepKeysApart) {
  const std::string nul("a\0b", 3);
  for (const std::string& k : {std::string(), std::string("HIS|P001"), nul, std::string("\x01\x02\x00", 3)}) {
    auto parsed = parse_order_key(order_key(k, 77));
    ASSERT_TRUE(parsed) << k;
    EXPECT_EQ(parsed->ordering_key, k);
    EXPECT_EQ(parsed->id, 77u);
  }
  // Every entry of key "a" sorts before every entry of "a\0b" and of "a\x01": no range overlap.
  EXPECT_LT(order_key("a", ~0ull), order_key(nul.substr(0, 2), 0));
  EXPECT_LT(order_key("a", ~0ull), order_key(nul, 0));
  EXPECT_LT(order_key(nul, ~0ull), order_key("a\x01", 0));
  EXPECT_LT(order_key("P1", 5), order_key("P1", 6));
  EXPECT_FALSE(parse_order_key("no terminator"));
  EXPECT_FALSE(parse_order_key(std::string("k\0short", 7)));
}

TEST(KeyCodec, TerminalAndDedupeTimeKeys) {
  EXPECT_EQ(parse_terminal_key(terminal_key(3, 99), 3), 99u);
  EXPECT_FALSE(parse_terminal_key(terminal_key(3, 99), 5));
  EXPECT_LT(terminal_key(3, ~0ull), terminal_key(4, 0));
  auto t = parse_dedupe_time_key(dedupe_time_key(1'700'000'000'000, "HIS|MSG1"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_ms, 1'700'000'000'000);
  EXPECT_EQ(t->dedupe_key, "HIS|MSG1");
  EXPECT_LT(dedupe_time_key(1000, "zzz"), dedupe_time_key(1001, "aaa"));
}

Envelope sample() {
  Envelope e;
  e.id = 0x0123'4567'89AB'CDEFull;
  e.source = "his-adt";
  e.received_at_ms = 1'715'328'000'123;
  e.content_type = kContentTypeHl7v2;
  e.raw = std::string("MSH|^~\\&|HIS\rPID|1||\xCD\xF5\0x", 24);  // GBK bytes and a NUL stay as they are
  e.dedupe_key = "HIS|REG-0001";
  e.ordering_key = "HIS|P0012345";
  e.ack = "MSH|...\rMSA|AA|REG-0001";
  return e;
}

TEST(RecordCodec, EnvelopeRoundTrips) {
  const Envelope e = sample();
  auto d = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, e.id);
  EXPECT_EQ(d->source, e.source);
  EXPECT_EQ(d->received_at_ms, e.received_at_ms);
  EXPECT_EQ(d->content_type, e.content_type);
  EXPECT_EQ(d->raw, e.raw);
  EXPECT_EQ(d->dedupe_key, e.dedupe_key);
  EXPECT_EQ(d->ordering_key, e.ordering_key);
  EXPECT_EQ(d->ack, e.ack);
}

TEST(RecordCodec, EveryFlippedBitIsCaught) {
  const std::string rec = encode_envelope(sample());
  for (std::size_t i = 0; i < rec.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = rec;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(decode_envelope(bad)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(RecordCodec, RefusesTruncationUnknownVersionsAndOtherKinds) {
  const std::string rec = encode_envelope(sample());
  for (std::size_t n = 0; n < rec.size(); ++n) EXPECT_FALSE(decode_envelope(rec.substr(0, n))) << n;
  EXPECT_EQ(decode_envelope(rec.substr(0, 3)).error(), RecordError::kTruncated);
  std::string v2 = rec;
  v2[0] = 2;
  EXPECT_EQ(decode_envelope(v2).error(), RecordError::kUnknownVersion);
  // A state record is not an envelope, even though both frames are valid.
  const std::string state = encode_state({EnvelopeStatus::kParked, 3, 0, "mapping error"});
  EXPECT_EQ(decode_envelope(state).error(), RecordError::kChecksum);
  EXPECT_EQ(decode_dedupe(state).error(), RecordError::kChecksum);
}

TEST(RecordCodec, StateAndDedupeRoundTrip) {
  auto s = decode_state(encode_state({EnvelopeStatus::kReady, 4, 1'700'000'000'500, "CRM store down"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, EnvelopeStatus::kReady);
  EXPECT_EQ(s->attempts, 4u);
  EXPECT_EQ(s->not_before_ms, 1'700'000'000'500);
  EXPECT_EQ(s->reason, "CRM store down");
  // A lease is never stored: a record claiming one is malformed.
  EXPECT_EQ(decode_state(encode_state({EnvelopeStatus::kLeased, 0, 0, {}})).error(), RecordError::kMalformed);

  auto d = decode_dedupe(encode_dedupe({42, 1'700'000'000'000, "MSA|AA|X"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, 42u);
  EXPECT_EQ(d->stored_at_ms, 1'700'000'000'000);
  EXPECT_EQ(d->ack, "MSA|AA|X");
}

}  // namespace
}  // namespace medgw::queue

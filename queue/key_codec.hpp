#pragma once
// Keys of the queue's column families. Integers are big-endian so byte order is numeric order:
// RocksDB iterates ids oldest first and DeleteRange takes id ranges.
//
//   envelopes, states   id(8)
//   order               escaped(ordering_key) 0x00 id(8)     undelivered envelopes, per key in order
//   terminal            status(1) id(8)                      delivered and rejected, for list()
//   dedupe              dedupe_key                           -> DedupeRecord
//   dedupe_time         time_ms(8) dedupe_key                expiry index of dedupe
//
// The ordering key is escaped (0x00 -> 0x01 0x01, 0x01 -> 0x01 0x02) and terminated by 0x00, so a
// key that contains a NUL byte cannot run into the range of another key, and byte order of the
// escaped keys is the byte order of the keys.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medgw::queue {

void put_be64(std::string& out, std::uint64_t v);
std::uint64_t get_be64(std::string_view in);  // in.size() >= 8

std::string id_key(std::uint64_t id);
std::optional<std::uint64_t> parse_id_key(std::string_view key);

std::string order_key(std::string_view ordering_key, std::uint64_t id);
struct OrderKey {
  std::string ordering_key;
  std::uint64_t id = 0;
};
std::optional<OrderKey> parse_order_key(std::string_view key);

std::string terminal_key(std::uint8_t status, std::uint64_t id);
std::optional<std::uint64_t> parse_terminal_key(std::string_view key, std::uint8_t status);

std::string dedupe_time_key(std::int64_t time_ms, std::string_view dedupe_key);
struct DedupeTimeKey {
  std::int64_t time_ms = 0;
  std::string dedupe_key;
};
std::optional<DedupeTimeKey> parse_dedupe_time_key(std::string_view key);

}  // namespace medgw::queue

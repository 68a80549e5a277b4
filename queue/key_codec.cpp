#include "queue/key_codec.hpp"

namespace medgw::queue {

void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFFu));
}

std::uint64_t get_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return v;
}

std::string id_key(std::uint64_t id) {
  std::string k;
  k.reserve(8);
  put_be64(k, id);
  return k;
}

std::optional<std::uint64_t> parse_id_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return get_be64(key);
}

std::string order_key(std::string_view ordering_key, std::uint64_t id) {
  std::string k;
  k.reserve(ordering_key.size() + 9);
  for (char c : ordering_key) {
    if (c == '\x00') {
      k += "\x01\x01";
    } else if (c == '\x01') {
      k += "\x01\x02";
    } else {
      k.push_back(c);
    }
  }
  k.push_back('\x00');
  put_be64(k, id);
  return k;
}

std::optional<OrderKey> parse_order_key(std::string_view key) {
  OrderKey out;
  std::size_t i = 0;
  for (;; ++i) {
    if (i >= key.size()) return std::nullopt;
    const char c = key[i];
    if (c == '\x00') break;
    if (c == '\x01') {
      if (++i >= key.size()) return std::nullopt;
      if (key[i] == '\x01') {
        out.ordering_key.push_back('\x00');
      } else if (key[i] == '\x02') {
        out.ordering_key.push_back('\x01');
      } else {
        return std::nullopt;
      }
    } else {
      out.ordering_key.push_back(c);
    }
  }
  if (key.size() - i - 1 != 8) return std::nullopt;
  out.id = get_be64(key.substr(i + 1));
  return out;
}

std::string terminal_key(std::uint8_t status, std::uint64_t id) {
  std::string k(1, static_cast<char>(status));
  put_be64(k, id);
  return k;
}

std::optional<std::uint64_t> parse_terminal_key(std::string_view key, std::uint8_t status) {
  if (key.size() != 9 || static_cast<std::uint8_t>(key[0]) != status) return std::nullopt;
  return get_be64(key.substr(1));
}

std::string dedupe_time_key(std::int64_t time_ms, std::string_view dedupe_key) {
  std::string k;
  k.reserve(8 + dedupe_key.size());
  put_be64(k, static_cast<std::uint64_t>(time_ms < 0 ? 0 : time_ms));
  k.append(dedupe_key);
  return k;
}

std::optional<DedupeTimeKey> parse_dedupe_time_key(std::string_view key) {
  if (key.size() < 8) return std::nullopt;
  return DedupeTimeKey{static_cast<std::int64_t>(get_be64(key)), std::string(key.substr(8))};
}

}  // namespace medgw::queue

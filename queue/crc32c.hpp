#pragma once
// CRC-32C (Castagnoli), the checksum of queue records. RocksDB checksums its own blocks, but its
// crc32c is not public API, and a record checksum also catches a value written under the wrong key
// or mangled above the storage layer. SSE4.2's crc32 instruction when the CPU has it, a
// slicing-by-8 table otherwise; both give the same values.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace medgw::queue {

// Continues a CRC-32C over `data`; start with crc = 0.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);

inline std::uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data.data(), data.size());
}

// The portable implementation, exposed so tests can compare it with the hardware one.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace medgw::queue

#pragma once
// Persistent counters as RocksDB merge operands: each write adds a delta (8 bytes, little-endian,
// signed) in the same WriteBatch as the change it counts. Deltas commute, so writers never race on
// read-modify-write, and reopening reads one merged value per counter instead of scanning.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rocksdb {
class MergeOperator;
}

namespace medgw::queue {

std::shared_ptr<rocksdb::MergeOperator> make_counter_merge_operator();

std::string encode_counter(std::int64_t value);
// 0 for an empty or malformed value.
std::int64_t decode_counter(std::string_view value);

}  // namespace medgw::queue

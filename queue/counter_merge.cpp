#include "queue/counter_merge.hpp"

#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

namespace medgw::queue {
namespace {

class CounterMerge final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    if (value.size() != 8 || (existing != nullptr && existing->size() != 8)) return false;
    const std::int64_t base = existing ? decode_counter({existing->data(), existing->size()}) : 0;
    *new_value = encode_counter(base + decode_counter({value.data(), value.size()}));
    return true;
  }
  const char* Name() const override { return "medgw.CounterAdd"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_counter_merge_operator() {
  return std::make_shared<CounterMerge>();
}

std::string encode_counter(std::int64_t value) {
  const auto u = static_cast<std::uint64_t>(value);
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xFFu);
  return out;
}

std::int64_t decode_counter(std::string_view value) {
  if (value.size() != 8) return 0;
  std::uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(value[static_cast<std::size_t>(i)]);
  return static_cast<std::int64_t>(u);
}

}  // namespace medgw::queue

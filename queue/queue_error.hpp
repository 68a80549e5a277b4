#pragma once
// Errors of the RocksDB queue, as std::error_code values (errors on the data path are values).
#include <system_error>

namespace medgw::queue {

enum class QueueErrc {
  kClosed = 1,     // the queue is closed (or closing)
  kNotFound,       // no undelivered envelope with this id (unknown, delivered or rejected)
  kWrongState,     // e.g. ack of an envelope that is not leased, replay of one that is not parked
  kWriteFailed,    // RocksDB refused the write: nothing was stored or changed
  kReadFailed,     // RocksDB could not read a record
  kCorruptRecord,  // a record failed its checksum or could not be decoded
};

const std::error_category& queue_category();

inline std::error_code make_error_code(QueueErrc e) {
  return {static_cast<int>(e), queue_category()};
}

}  // namespace medgw::queue

template <>
struct std::is_error_code_enum<medgw::queue::QueueErrc> : std::true_type {};

#pragma once
// Values of the queue's column families. Every record is framed as
//
//   version(1) crc32c(4, little-endian) payload
//
// where the CRC covers a per-kind tag byte (not stored: a state record read as an envelope fails
// the check), the version byte and the payload. Integers in payloads are little-endian and fixed
// width; strings are a 4-byte length and the bytes. A reader accepts the versions it knows and
// refuses the others, so an old binary never misreads a newer queue.
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/envelope.hpp"
#include "gateway/core/expected.hpp"
#include "gateway/core/queue.hpp"

namespace medgw::queue {

inline constexpr std::uint8_t kRecordVersion = 1;

enum class RecordError : std::uint8_t { kTruncated, kUnknownVersion, kChecksum, kMalformed };
const char* to_string(RecordError error);

// Immutable: the envelope as appended, id included.
std::string encode_envelope(const Envelope& envelope);
Expected<Envelope, RecordError> decode_envelope(std::string_view record);

// Mutable: where the envelope is in its life. kLeased is never stored.
std::string encode_state(const EnvelopeState& state);
Expected<EnvelopeState, RecordError> decode_state(std::string_view record);

// What a duplicate is answered with, and when the original was stored.
struct DedupeRecord {
  std::uint64_t id = 0;
  std::int64_t stored_at_ms = 0;
  std::string ack;
};
std::string encode_dedupe(const DedupeRecord& record);
Expected<DedupeRecord, RecordError> decode_dedupe(std::string_view record);

}  // namespace medgw::queue

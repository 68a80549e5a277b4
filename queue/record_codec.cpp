#include "queue/record_codec.hpp"

#include <cstring>

#include "queue/crc32c.hpp"

namespace medgw::queue {
namespace {

// Tags mixed into the CRC so records of one kind do not verify as another.
enum class Kind : char { kEnvelope = 'E', kState = 'S', kDedupe = 'D' };

constexpr std::size_t kHeader = 5;  // version + crc

class Writer {
 public:
  Writer() { out_.assign(kHeader, '\0'); }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void reserve(std::size_t n) { out_.reserve(kHeader + n); }

  std::string finish(Kind kind) && {
    out_[0] = static_cast<char>(kRecordVersion);
    const char tag = static_cast<char>(kind);
    std::uint32_t crc = crc32c_extend(0, &tag, 1);
    crc = crc32c_extend(crc, out_.data(), 1);
    crc = crc32c_extend(crc, out_.data() + kHeader, out_.size() - kHeader);
    for (int i = 0; i < 4; ++i) out_[1 + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
    return std::move(out_);
  }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view payload) : in_(payload) {}
  bool u8(std::uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (in_.size() < 4) return false;
    v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[static_cast<std::size_t>(i)]);
    in_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[static_cast<std::size_t>(i)]);
    in_.remove_prefix(8);
    return true;
  }
  bool i64(std::int64_t& v) {
    std::uint64_t u = 0;
    if (!u64(u)) return false;
    v = static_cast<std::int64_t>(u);
    return true;
  }
  bool str(std::string& s) {
    std::uint32_t n = 0;
    if (!u32(n) || in_.size() < n) return false;
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool at_end() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// Checks the frame and returns the payload.
Expected<std::string_view, RecordError> open_frame(std::string_view record, Kind kind) {
  if (record.size() < kHeader) return unexpected(RecordError::kTruncated);
  if (static_cast<std::uint8_t>(record[0]) != kRecordVersion) return unexpected(RecordError::kUnknownVersion);
  std::uint32_t stored = 0;
  for (int i = 3; i >= 0; --i)
    stored = (stored << 8) | static_cast<unsigned char>(record[1 + static_cast<std::size_t>(i)]);
  const char tag = static_cast<char>(kind);
  std::uint32_t crc = crc32c_extend(0, &tag, 1);
  crc = crc32c_extend(crc, record.data(), 1);
  crc = crc32c_extend(crc, record.data() + kHeader, record.size() - kHeader);
  if (crc != stored) return unexpected(RecordError::kChecksum);
  return record.substr(kHeader);
}

}  // namespace

const char* to_string(RecordError error) {
  switch (error) {
    case RecordError::kTruncated:
      return "truncated record";
    case RecordError::kUnknownVersion:
      return "unknown record version";
    case RecordError::kChecksum:
      return "record checksum mismatch";
    case RecordError::kMalformed:
      return "malformed record";
  }
  return "bad record";
}

std::string encode_envelope(const Envelope& e) {
  Writer w;
  w.reserve(16 + 6 * 4 + e.source.size() + e.content_type.size() + e.dedupe_key.size() + e.ordering_key.size() +
            e.ack.size() + e.raw.size());
  w.u64(e.id);
  w.i64(e.received_at_ms);
  w.str(e.source);
  w.str(e.content_type);
  w.str(e.dedupe_key);
  w.str(e.ordering_key);
  w.str(e.ack);
  w.str(e.raw);
  return std::move(w).finish(Kind::kEnvelope);
}

Expected<Envelope, RecordError> decode_envelope(std::string_view record) {
  auto payload = open_frame(record, Kind::kEnvelope);
  if (!payload) return unexpected(payload.error());
  Reader r(*payload);
  Envelope e;
  if (!r.u64(e.id) || !r.i64(e.received_at_ms) || !r.str(e.source) || !r.str(e.content_type) || !r.str(e.dedupe_key) ||
      !r.str(e.ordering_key) || !r.str(e.ack) || !r.str(e.raw) || !r.at_end()) {
    return unexpected(RecordError::kMalformed);
  }
  return e;
}

std::string encode_state(const EnvelopeState& s) {
  Writer w;
  w.u8(static_cast<std::uint8_t>(s.status));
  w.u32(s.attempts);
  w.i64(s.not_before_ms);
  w.str(s.reason);
  return std::move(w).finish(Kind::kState);
}

Expected<EnvelopeState, RecordError> decode_state(std::string_view record) {
  auto payload = open_frame(record, Kind::kState);
  if (!payload) return unexpected(payload.error());
  Reader r(*payload);
  EnvelopeState s;
  std::uint8_t status = 0;
  if (!r.u8(status) || !r.u32(s.attempts) || !r.i64(s.not_before_ms) || !r.str(s.reason) || !r.at_end()) {
    return unexpected(RecordError::kMalformed);
  }
  if (status < static_cast<std::uint8_t>(EnvelopeStatus::kReady) ||
      status > static_cast<std::uint8_t>(EnvelopeStatus::kRejected) ||
      status == static_cast<std::uint8_t>(EnvelopeStatus::kLeased)) {
    return unexpected(RecordError::kMalformed);
  }
  s.status = static_cast<EnvelopeStatus>(status);
  return s;
}

std::string encode_dedupe(const DedupeRecord& d) {
  Writer w;
  w.u64(d.id);
  w.i64(d.stored_at_ms);
  w.str(d.ack);
  return std::move(w).finish(Kind::kDedupe);
}

Expected<DedupeRecord, RecordError> decode_dedupe(std::string_view record) {
  auto payload = open_frame(record, Kind::kDedupe);
  if (!payload) return unexpected(payload.error());
  Reader r(*payload);
  DedupeRecord d;
  if (!r.u64(d.id) || !r.i64(d.stored_at_ms) || !r.str(d.ack) || !r.at_end()) {
    return unexpected(RecordError::kMalformed);
  }
  return d;
}

}  // namespace medgw::queue

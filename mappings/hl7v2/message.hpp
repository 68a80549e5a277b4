#pragma once
// One parsed HL7 v2 message in ER7 ("pipe") encoding.
//
// The message is a view: segments and field boundaries are offsets into the message text, which is
// either the caller's buffer (ASCII and valid UTF-8 input, the common case: no copy) or a UTF-8
// copy owned by the message (any other charset, decoded before splitting). When the message views
// the caller's buffer, that buffer must outlive it.
//
// Segments are kept in order whatever their id: Z-segments and segments medgw does not know are
// ordinary segments here. Blank lines and any mix of CR, LF and CRLF terminators are accepted; a
// leading UTF-8 byte-order mark is skipped.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/charset.hpp"
#include "mappings/hl7v2/delimiters.hpp"
#include "mappings/hl7v2/parse_error.hpp"
#include "mappings/hl7v2/path.hpp"
#include "mappings/hl7v2/views.hpp"

namespace medgw::hl7v2 {

struct ParseLimits {
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  std::size_t max_segments = 50'000;
};

struct ParseOptions {
  // Used when MSH-18 is empty: the source's configured charset (GBK for many Chinese HIS feeds).
  std::optional<Charset> default_charset;
  InvalidBytes invalid_bytes = InvalidBytes::kError;
  ParseLimits limits;
};

class Message;

class Segment {
 public:
  Segment(const Message* message, std::size_t index) : message_(message), index_(index) {}

  std::string_view name() const;
  std::string_view raw() const;  // the whole segment line, without its terminator
  std::size_t index() const { return index_; }  // 0-based position in the message
  // Highest field number present (MSH counts MSH-1, the field separator).
  std::size_t field_count() const;
  // Field n (1-based). MSH-1 is the field separator and MSH-2 the encoding characters, both
  // returned whole and never split.
  Field field(std::size_t n) const;

 private:
  const Message* message_;
  std::size_t index_;
};

class Message {
 public:
  static Expected<Message, ParseError> parse(std::string_view input, const ParseOptions& options = {});

  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // The UTF-8 text the segments point into (BOM removed; terminators as received).
  std::string_view text() const { return text_; }
  const Delimiters& delimiters() const { return delimiters_; }
  // The charset the input was decoded from (MSH-18, else the configured default).
  const Charset& charset() const { return charset_; }
  bool transcoded() const { return owned_ != nullptr; }

  std::size_t segment_count() const { return segments_.size(); }
  Segment segment(std::size_t index) const { return {this, index}; }
  // The occurrence-th (1-based) segment with this id.
  std::optional<Segment> find(std::string_view name, std::size_t occurrence = 1) const;

  // Raw (escaped) text at a path such as "PID-3[2].4.1"; empty when absent.
  std::string_view raw_at(const Path& path) const;
  // Decoded text at a path.
  std::string value_at(const Path& path) const;

  // Header shortcuts (raw text; these are ID/ST fields where escapes do not occur in practice).
  std::string_view sending_application() const { return header(3); }
  std::string_view sending_facility() const { return header(4); }
  std::string_view receiving_application() const { return header(5); }
  std::string_view receiving_facility() const { return header(6); }
  std::string_view message_code() const { return msh().field(9).component(1).raw(); }
  std::string_view trigger_event() const { return msh().field(9).component(2).raw(); }
  std::string_view message_structure() const { return msh().field(9).component(3).raw(); }
  std::string_view control_id() const { return msh().field(10).raw(); }
  std::string_view processing_id() const { return msh().field(11).component(1).raw(); }
  std::string_view version() const { return msh().field(12).component(1).raw(); }
  std::string_view accept_ack_type() const { return msh().field(15).raw(); }
  std::string_view application_ack_type() const { return msh().field(16).raw(); }

 private:
  friend class Segment;
  friend class Splitter;
  friend struct MessageParser;
  struct SegmentSpan {
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t first_piece;  // index into piece_begin_
    std::uint32_t piece_count;  // pieces split on the field separator, the id included
  };

  Message() = default;
  Segment msh() const { return {this, 0}; }
  std::string_view header(std::size_t n) const { return msh().field(n).component(1).raw(); }

  std::unique_ptr<std::string> owned_;  // set when the input was transcoded
  std::string_view text_;
  Delimiters delimiters_;
  Charset charset_;
  std::vector<SegmentSpan> segments_;
  std::vector<std::uint32_t> piece_begin_;
};

// Reads MSH-1/MSH-2 (or FHS/BHS) at the start of `header_line`. Error offsets are relative to it.
Expected<Delimiters, ParseError> read_delimiters(std::string_view header_line);

}  // namespace medgw::hl7v2

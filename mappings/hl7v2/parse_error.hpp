#pragma once
// A parse error that says where and why: a code for programs, a location (segment, field, byte
// offset) for the ERR segment and the operator, and a sentence for a human.
#include <cstddef>
#include <string>
#include <string_view>

namespace medgw::hl7v2 {

enum class ParseErrorCode {
  kEmptyInput,
  kTooLarge,           // message longer than ParseLimits::max_message_bytes
  kTooManySegments,    // more segments than ParseLimits::max_segments
  kNoHeader,           // does not start with MSH (or FHS/BHS where a batch is expected)
  kBadDelimiters,      // MSH-1/MSH-2 missing, repeated, alphanumeric or whitespace
  kBadSegmentId,       // a segment whose first three characters are not an id
  kUnexpectedHeader,   // a second MSH (or a batch segment) inside one message
  kUnknownCharset,     // MSH-18 names a character set medgw does not know
  kUnsupportedCharset, // known but not carried over a byte stream (UTF-16/32) or ISO 2022 switching
  kInvalidEncoding,    // bytes that are not valid in the message's character set
  kBadBatch,           // batch segments out of order or counts that disagree
};

// A short stable name ("invalid-encoding") for logs, JSON and tests.
std::string_view to_string(ParseErrorCode code);

// The HL7 table 0357 code an ACK reports for this error (ERR-3).
int hl7_error_code(ParseErrorCode code);

struct ParseError {
  ParseErrorCode code{};
  std::string segment;          // segment id, or "" when the error is before any segment
  std::size_t segment_index = 0;  // 1-based position of the segment in the message; 0 = none
  std::size_t occurrence = 0;     // 1-based occurrence of this segment id (the 3rd OBX: 3); 0 = none
  std::size_t field = 0;          // 1-based field position; 0 = the whole segment
  std::size_t offset = 0;         // byte offset in the input where the problem starts
  std::string message;            // a sentence for a human; never contains message content

  // "invalid-encoding at byte 812 (PID segment 3, field 5): ..."
  std::string describe() const;
};

}  // namespace medgw::hl7v2

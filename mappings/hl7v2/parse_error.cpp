#include "mappings/hl7v2/parse_error.hpp"

namespace medgw::hl7v2 {

std::string_view to_string(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kEmptyInput: return "empty-input";
    case ParseErrorCode::kTooLarge: return "too-large";
    case ParseErrorCode::kTooManySegments: return "too-many-segments";
    case ParseErrorCode::kNoHeader: return "no-header";
    case ParseErrorCode::kBadDelimiters: return "bad-delimiters";
    case ParseErrorCode::kBadSegmentId: return "bad-segment-id";
    case ParseErrorCode::kUnexpectedHeader: return "unexpected-header";
    case ParseErrorCode::kUnknownCharset: return "unknown-charset";
    case ParseErrorCode::kUnsupportedCharset: return "unsupported-charset";
    case ParseErrorCode::kInvalidEncoding: return "invalid-encoding";
    case ParseErrorCode::kBadBatch: return "bad-batch";
  }
  return "unknown";
}

int hl7_error_code(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kNoHeader:
    case ParseErrorCode::kBadSegmentId:
    case ParseErrorCode::kUnexpectedHeader:
    case ParseErrorCode::kBadBatch:
      return 100;  // segment sequence error
    case ParseErrorCode::kBadDelimiters:
    case ParseErrorCode::kInvalidEncoding:
      return 102;  // data type error
    case ParseErrorCode::kUnknownCharset:
    case ParseErrorCode::kUnsupportedCharset:
      return 103;  // table value not found (table 0211)
    case ParseErrorCode::kTooLarge:
    case ParseErrorCode::kTooManySegments:
    case ParseErrorCode::kEmptyInput:
      return 207;  // application error
  }
  return 199;
}

std::string ParseError::describe() const {
  std::string s{to_string(code)};
  s += " at byte " + std::to_string(offset);
  if (!segment.empty()) {
    s += " (" + segment;
    if (segment_index != 0) s += " segment " + std::to_string(segment_index);
    if (field != 0) s += ", field " + std::to_string(field);
    s += ")";
  }
  s += ": " + message;
  return s;
}

}  // namespace medgw::hl7v2

#pragma once
// Files and batches: `[FHS] { [BHS] { MSH... } [BTS] } [FTS]` (v2 section 2.10), and the plain
// case of several messages one after another. The reader finds where each message starts and
// ends without decoding it, which is safe in every supported charset: CR and LF never occur as a
// trail byte of a multi-byte character. Each message is then parsed on its own, with its own
// MSH-18. MLLP framing bytes (0x0B before, 0x1C after a message) in captured files are skipped.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/parse_error.hpp"

namespace medgw::hl7v2 {

struct MessageSpan {
  std::string_view text;  // from "MSH" to the last byte before the next message or batch segment
  std::size_t offset = 0; // where it starts in the input
};

struct Batch {
  std::optional<std::string_view> header;   // BHS line
  std::optional<std::string_view> trailer;  // BTS line
  std::vector<MessageSpan> messages;
};

struct BatchFile {
  std::optional<std::string_view> header;   // FHS line
  std::optional<std::string_view> trailer;  // FTS line
  std::vector<Batch> batches;               // at least one; a file without BHS has one implicit batch

  std::size_t message_count() const;
  std::vector<MessageSpan> all_messages() const;
};

struct BatchLimits {
  std::size_t max_messages = 1'000'000;
};

// A message as it goes on the wire: HL7 requires CR after each segment, and files written by hand
// often have LF or CRLF. Ends with exactly one CR.
std::string with_cr_terminators(std::string_view text);

// Splits `input` into messages. Checks the batch grammar and the counts in BTS-1 and FTS-1 when
// they are given; a mismatch is an error, because it means messages were lost on the way.
Expected<BatchFile, ParseError> read_batch(std::string_view input, const BatchLimits& limits = {});

}  // namespace medgw::hl7v2

#pragma once
// A parsed message as a JSON tree, for `medgw parse --json` and tooling:
//   {"charset": "...", "delimiters": "|^~\\&", "segments": [{"id": "PID", "fields": [...]}]}
// fields[i] is field i+1 (MSH-1 and MSH-2 included as strings). A field is null when empty, the
// string "\"\"" stays as the explicit HL7 null marker {"null": true}, and otherwise an array of
// repetitions. A repetition or component with one part is a string; with several parts, an array.
// Strings are decoded (escapes resolved, UTF-8).
#include <string>

namespace medgw::hl7v2 {
class Message;
}

namespace medgw::cli {

std::string message_to_json(const hl7v2::Message& message, bool pretty);

}  // namespace medgw::cli

#pragma once
// The acknowledgement medgw sends for a message.
//
// Mode. Original mode (AA/AE/AR) when MSH-15 and MSH-16 are both empty; enhanced mode otherwise.
// In enhanced mode MSH-15 says when an accept acknowledgement (CA/CE/CR) is wanted: AL always,
// NE never, ER only on error, SU only on success. medgw does not send deferred application
// acknowledgements: its durable commit is the end of its processing as far as the sender can
// see. So when MSH-15 asks for no accept acknowledgement but MSH-16 asks for an application one,
// medgw answers AA/AE/AR on the same connection, right after the commit, under the same AL/NE/ER/SU
// rule.
//
// Errors. ERR per v2.5+ (ERR-2 location, ERR-3 from table 0357, ERR-4 severity, ERR-7 diagnostic,
// ERR-8 user message); for senders older than v2.5, ERR-1 (segment^sequence^field^code) and the
// text in MSA-3, which is where those versions look.
//
// The ACK's MSH swaps sender and receiver, echoes MSH-11, MSH-12 and MSH-18, uses the original's
// delimiters and carries a new control id; MSA-2 echoes the original MSH-10. The text is UTF-8:
// the transport encodes it in the message's charset.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/hl7v2/delimiters.hpp"
#include "mappings/hl7v2/parse_error.hpp"

namespace medgw::hl7v2 {

class Message;

enum class AckOutcome {
  kAccepted,          // committed: AA / CA
  kContentError,      // readable but its content is wrong: AE / CE
  kRejected,          // unparseable, or unsupported type, event, version or processing id: AR / CR
  kTemporaryFailure,  // medgw could not commit (storage down): AR / CE, the sender should retry
};

enum class AckMode { kAuto, kOriginal, kEnhanced };

struct ErrorDetail {
  int code = 207;                // HL7 table 0357
  std::string segment;           // ERR-2.1, e.g. "PID"
  std::size_t sequence = 0;      // ERR-2.2, 1-based occurrence of that segment
  std::size_t field = 0;         // ERR-2.3
  std::size_t repetition = 0;    // ERR-2.4
  std::size_t component = 0;     // ERR-2.5
  std::size_t subcomponent = 0;  // ERR-2.6
  char severity = 'E';           // HL7 table 0516: W, I, E, F
  std::string diagnostic;        // ERR-7, technical; never message content
  std::string user_message;      // ERR-8
};

// The description of table 0357 codes, for ERR-3.2.
std::string_view error_code_text(int code);

// An ErrorDetail for a parse error, located where the parser found it.
ErrorDetail error_from(const ParseError& error);

// The parts of a header an ACK needs, from a parsed message or salvaged from a broken one.
struct AckHeader {
  Delimiters delimiters;
  std::string sending_application, sending_facility;      // MSH-3, MSH-4 (raw)
  std::string receiving_application, receiving_facility;  // MSH-5, MSH-6 (raw)
  std::string trigger_event;                              // MSH-9.2
  std::string control_id;                                 // MSH-10
  std::string processing_id;                              // MSH-11 (raw)
  std::string version;                                    // MSH-12 (raw)
  std::string accept_ack_type;                            // MSH-15
  std::string application_ack_type;                       // MSH-16
  std::string charset;                                    // MSH-18 (raw)
};

AckHeader header_of(const Message& message);
// What can be read from the header line of input that did not parse; nullopt when not even MSH-1
// and MSH-2 are usable. Only printable ASCII is kept.
std::optional<AckHeader> salvage_header(std::string_view raw_input);

struct AckOptions {
  AckMode mode = AckMode::kAuto;
  // Used when the original has no receiving application/facility to swap in.
  std::string application = "MEDGW";
  std::string facility;
  std::string control_id;  // empty: generate a unique one
  std::string timestamp;   // empty: now, as YYYYMMDDHHMMSS+ZZZZ
};

struct Ack {
  bool send = true;    // false when MSH-15/16 ask for no acknowledgement in this case
  std::string code;    // AA, AE, AR, CA, CE, CR
  std::string reason;  // why, when send is false
  std::string text;    // the ACK message, CR-terminated segments, UTF-8
};

Ack build_ack(const AckHeader& original, AckOutcome outcome, const std::vector<ErrorDetail>& errors,
              const AckOptions& options = {});

// The ACK's text built with MessageWriter, field by field; build_ack uses it when there are ERR
// segments and writes the common case (none) directly. `version` is MSH-12 as 25 for "2.5".
// Public for the test that the two agree byte for byte.
std::string encode_ack_with_writer(const AckHeader& original, std::string_view code, int version,
                                   const std::vector<ErrorDetail>& errors, const AckOptions& options);

// A fresh control id for an outgoing message: unique within this process and across restarts
// (random prefix), at most 20 characters (MSH-10 is ST(20)).
std::string new_control_id();

}  // namespace medgw::hl7v2

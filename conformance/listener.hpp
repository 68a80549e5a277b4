#pragma once
// `medgw conformance listen`: an MLLP listener for a vendor's own system. The vendor triggers the
// suite's scenario; each message received is checked against the suite's profile set and against
// the step it should be (the next one: its message type, and the ACK the step expects), and is
// answered with the acknowledgement the gateway would send: AR for what does not parse or a
// message type or event medgw has no profile for (ERR 200/201), AE with one ERR per error found,
// AA otherwise. It returns the report when every step has been received, or on SIGINT/SIGTERM
// (the steps not received then fail).
#include <cstdint>
#include <ostream>
#include <string>

#include "conformance/profile_set.hpp"
#include "conformance/report.hpp"
#include "conformance/suite.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::conformance {

struct ListenOptions {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 2575;
  std::size_t max_frame_bytes = 16u << 20;
};

// `progress` gets one line per message (step number, message type, control id, the ACK code):
// no message content.
Expected<Report, std::string> listen_for_suite(const Suite& suite, const ListenOptions& options, std::ostream& progress);

struct ListenAnswer {
  CaseResult result;
  std::string ack;  // the acknowledgement to send, in the message's charset
};

// What listen does with one received message, given the step it should be (nullptr: more
// messages than the suite has steps). Public for the unit tests.
ListenAnswer answer_message(const ProfileSet& profiles, const Step* step, std::size_t index, std::string_view bytes);

}  // namespace medgw::conformance

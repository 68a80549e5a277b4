#pragma once
// The MLLP sender: sends each message, waits for its acknowledgement under a deadline, and
// retries (reconnecting) when the deadline passes or the connection drops. A message counts as
// accepted when the answer is AA or CA (or an MLLP release 2 commit acknowledgement).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace medgw::mllp {

struct SenderTls {
  std::string ca;           // verify the server against these CAs; empty: system default store
  std::string certificate;  // client certificate for mutual TLS
  std::string private_key;
  bool verify = true;       // false only for tests against self-signed servers
  std::string server_name;  // SNI and host name check; default: the host
};

struct SenderConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2575;
  std::optional<SenderTls> tls;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds ack_timeout{30'000};
  int max_attempts = 3;             // sends per message before giving up
  std::size_t max_ack_bytes = 1u << 20;
};

struct SendResult {
  std::string control_id;     // MSH-10 of the message sent
  std::string ack_code;       // MSA-1 (AA, AE, AR, CA, CE, CR), "COMMIT"/"NAK" for MLLP release 2
  std::string ack_text;       // the acknowledgement as received
  std::string error;          // transport failure after every attempt, when ack_code is empty
  int attempts = 0;
  bool accepted() const { return ack_code == "AA" || ack_code == "CA" || ack_code == "COMMIT"; }
};

// Sends every message in order over one connection (re-opened as needed). `on_result` is called
// after each message.
std::vector<SendResult> send_messages(const SenderConfig& config, const std::vector<std::string>& messages,
                                      const std::function<void(const SendResult&)>& on_result = {});

}  // namespace medgw::mllp

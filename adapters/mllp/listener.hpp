#pragma once
// The MLLP listener: accepts connections (TCP or TLS), reads frames under deadlines and size
// limits, stores every message in the queue and acknowledges it only after the queue reports it
// fsync'd. Unparseable input, and a message type medgw does not map, is stored as rejected and
// answered AR/CR with an ERR segment; the connection stays open. A strand per connection; nothing blocks the event loop.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "adapters/mllp/listener_config.hpp"

namespace boost::asio {
class io_context;
}

namespace medgw {
class Queue;
class Backpressure;
}  // namespace medgw

namespace medgw::mllp {

struct ListenerCounters {
  std::atomic<std::uint64_t> connections{0};       // accepted since start
  std::atomic<std::uint64_t> refused_connections{0};  // over max_connections
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> received{0};          // frames
  std::atomic<std::uint64_t> accepted{0};          // stored and acknowledged positively
  std::atomic<std::uint64_t> rejected{0};          // unparseable or unmapped, stored as rejected, answered AR/CR
  std::atomic<std::uint64_t> duplicates{0};        // re-sent MSH-10, answered with the original ACK
  std::atomic<std::uint64_t> store_failures{0};    // queue write failed: answered AR/CE, not stored
  std::atomic<std::uint64_t> oversize{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> skipped_bytes{0};     // junk outside frames
};

// What the gateway behind the listener takes, asked by each session before it stores a message.
// The gateway fills it from the site profile and the v2 mappings, so a session accepts exactly
// what the pipeline can decode and map without this adapter knowing either. An empty function
// leaves that question to the listener's own config (default_charset) or accepts every type.
struct Intake {
  enum class Type {
    kMapped,
    kUnknownType,   // ERR-3 200, unsupported message type
    kUnknownEvent,  // ERR-3 201, unsupported event code
  };
  // The charset of a frame whose MSH-18 is empty, from its raw bytes (the header names the
  // sender): the site's charset for that sender, else the listener's default_charset; nullopt
  // for UTF-8. The pipeline decodes the stored message by the same rule.
  std::function<std::optional<hl7v2::Charset>(std::string_view raw)> default_charset;
  // Whether a message of MSH-9.1 `code` and MSH-9.2 `event` is mapped.
  std::function<Type(std::string_view code, std::string_view event)> message_type;
};

class MllpListener {
 public:
  MllpListener(boost::asio::io_context& io, ListenerConfig config, Queue& queue, Backpressure& backpressure,
               Intake intake = {});
  ~MllpListener();
  MllpListener(const MllpListener&) = delete;
  MllpListener& operator=(const MllpListener&) = delete;

  // Loads TLS material, binds and starts accepting. Errors name the cause (port in use, bad key).
  std::error_code start(std::string& error_text);
  // Stops accepting; sessions finish the message in flight (commit and ACK), then close.
  void stop();
  // The bound port (useful with port 0 in tests).
  std::uint16_t port() const;
  const ListenerConfig& config() const;
  const ListenerCounters& counters() const;
  // Sessions still open.
  std::size_t open_sessions() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace medgw::mllp

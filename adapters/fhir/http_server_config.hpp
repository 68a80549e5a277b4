#pragma once
// Limits and endpoint of an HTTP server (the FHIR API). Every input is bounded: header and body
// size, connections, the time a request may take to arrive, the idle time of a kept-alive
// connection.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/tls_config.hpp"

namespace medgw::fhir {

struct HttpServerConfig {
  std::string name = "fhir";
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 16u << 20;           // a transaction with a few PDFs
  std::size_t max_connections = 256;
  std::chrono::milliseconds read_timeout{30'000};   // a started request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive: silence allowed between requests
  std::chrono::milliseconds write_timeout{30'000};
  unsigned handler_threads = 4;                     // blocking work (database, durable commits)
  std::optional<TlsConfig> tls;
};

}  // namespace medgw::fhir

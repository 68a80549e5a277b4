#pragma once
// An HTTP/1.1 server on Boost.Beast: keep-alive, optional TLS (and mutual TLS), limits from
// HttpServerConfig. Each request is handed to the handler on a thread pool, because handling
// blocks (SQLite reads, waiting for a durable commit); the connection's coroutine waits for the
// answer without holding an event-loop thread. Requests on one connection are answered in order.
//
// Protocol errors (a malformed request, a header or body over its limit) are answered by
// `error_page` (the FHIR API makes them OperationOutcomes) and the connection is closed.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "adapters/fhir/http_message.hpp"
#include "adapters/fhir/http_server_config.hpp"

namespace boost::asio {
class io_context;
}

namespace medgw::fhir {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
using ErrorPage = std::function<HttpResponse(unsigned status, const std::string& message)>;

struct HttpServerCounters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> protocol_errors{0};
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerConfig config, HttpHandler handler, ErrorPage error_page);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads TLS material, binds, starts accepting. Errors name the cause.
  std::error_code start(std::string& error_text);
  // Stops accepting and closes idle connections; requests in flight are answered first (their
  // connections end after the answer, so the io_context runs out of work). Does not block; the
  // destructor joins the handler threads.
  void stop();
  std::uint16_t port() const;
  const HttpServerCounters& counters() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace medgw::fhir

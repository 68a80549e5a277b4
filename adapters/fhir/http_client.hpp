#pragma once
// An HTTP/1.1 client for one origin (scheme, host, port), for the FHIR poller and destination: one keep-alive
// connection reused across requests (reopened when the server closed it), TLS 1.2+ with the
// server verified against a CA file (or the system's store) and its host name, an optional client
// certificate (mutual TLS), a deadline on connect (resolve, TCP, handshake) and one on each
// request (write + read of the whole response), and limits on the header and body sizes.
//
// GET and POST, both treated as idempotent: when a reused connection fails before a response
// starts (the server closed it while it sat idle) the request is sent once more on a fresh
// connection. The FHIR destination's POSTs are transactions of conditional updates, safe to repeat.
//
// Runs on the executor it is given, in coroutines; not thread-safe: one request at a time (the
// poller of one upstream is one coroutine). Heavy headers stay in the .cpp; this one pulls in
// only asio's awaitable and executor.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::fhir {

// "https://host:8443/fhir" -> {https, host, 8443, "/fhir"}; the path has no trailing slash.
struct HttpOrigin {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // the base path, "" or "/fhir"
  bool same_origin(const HttpOrigin& other) const {
    return scheme == other.scheme && host == other.host && port == other.port;
  }
};

// nullopt-like error text for a URL that is not http(s)://host[:port][/path] (no userinfo, no
// query or fragment).
Expected<HttpOrigin, std::string> parse_http_url(std::string_view url);

struct HttpClientConfig {
  HttpOrigin origin;
  std::string ca_file;      // https: CAs to verify the server; empty: the system's default store
  std::string certificate;  // client certificate chain (mutual TLS); empty: none
  std::string private_key;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 64u << 20;
};

// (Not HttpResponse: that is the server side's, http_message.hpp, in the same namespace.)
struct ClientResponse {
  unsigned status = 0;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, as sent
  std::string body;
};

// The outcome of one GET: `error` empty and `response` set, or a sentence for the log (what
// failed and where, host:port, never a header value). A plain struct, not Expected: with
// Expected results converted in co_return, the GCC 12 release build freed an invalid pointer
// when the coroutine finished (not isolated further). Coroutines here return simple aggregates
// built as named locals, a form the rest of the code base also uses.
struct HttpResult {
  std::string error;
  ClientResponse response;
  bool ok() const { return error.empty(); }
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // Loads the TLS material (errors name the file); no connection is made yet.
  static Expected<std::unique_ptr<HttpClient>, std::string> create(boost::asio::any_io_executor executor,
                                                                   HttpClientConfig config);
  ~HttpClient();

  // GET `target` (an origin-form path with query: "/fhir/Patient?_count=10").
  boost::asio::awaitable<HttpResult> get(std::string target, HttpHeaders headers);
  // POST `body` to `target` (the FHIR destination's transaction Bundles). Retried once on a fresh
  // connection like a GET, so only for requests that are safe to repeat (conditional updates are).
  boost::asio::awaitable<HttpResult> post(std::string target, HttpHeaders headers, std::string body);

  // Closes the connection; a request in flight fails at once. Call on the client's executor.
  void close();

  const HttpClientConfig& config() const;

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medgw::fhir

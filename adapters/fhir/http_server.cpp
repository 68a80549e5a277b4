#include "adapters/fhir/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "gateway/asio/tls_context.hpp"
#include "gateway/core/log.hpp"

namespace medgw::fhir {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

namespace {

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Read errors that only mean "the client went away or was too slow": closed without an answer.
bool is_disconnect(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, HttpServerConfig c, HttpHandler h, ErrorPage e)
      : io(io_context), cfg(std::move(c)), handler(std::move(h)), error_page(std::move(e)), acceptor(io_context),
        pool(cfg.handler_threads == 0 ? 1 : cfg.handler_threads) {}

  asio::io_context& io;
  HttpServerConfig cfg;
  HttpHandler handler;
  ErrorPage error_page;
  tcp::acceptor acceptor;
  asio::thread_pool pool;
  std::unique_ptr<asio::ssl::context> ssl;
  HttpServerCounters counters;
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;

  std::mutex sessions_mutex;
  std::uint64_t next_session_id = 0;
  // Cancels a session's pending read (never an answer being computed or written).
  std::unordered_map<std::uint64_t, std::function<void()>> cancel_session;

  std::error_code start(std::string& error_text);
  void stop();
  awaitable<void> accept_loop();
  template <class Stream>
  awaitable<void> session(Stream stream, std::string peer);
  template <class Stream>
  awaitable<bool> write(Stream& stream, HttpResponse response, unsigned version, bool keep_alive);
};

std::error_code HttpServer::Impl::start(std::string& error_text) {
  if (cfg.tls) {
    auto ctx = make_server_tls_context(*cfg.tls, "fhir server " + cfg.name);
    if (!ctx) {
      error_text = ctx.error();
      return std::make_error_code(std::errc::invalid_argument);
    }
    ssl = std::move(*ctx);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.bind, ec);
  if (ec) {
    error_text = "fhir server " + cfg.name + ": bad bind address '" + cfg.bind + "'";
    return ec;
  }
  tcp::endpoint endpoint(address, cfg.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_text = "fhir server " + cfg.name + ": cannot listen on " + cfg.bind + ":" + std::to_string(cfg.port) + ": " +
                 ec.message();
    return ec;
  }
  bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached);
  log::info("fhir.listening", {{"server", cfg.name}, {"port", static_cast<unsigned>(bound_port)},
                               {"tls", cfg.tls.has_value()}});
  return {};
}

void HttpServer::Impl::stop() {
  if (stopping.exchange(true)) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
  });
  std::lock_guard lock(sessions_mutex);
  for (auto& [id, cancel] : cancel_session) cancel();
}

awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, accepted] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
    tcp::socket socket(std::move(accepted));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      log::warn("fhir.accept_failed", {{"server", cfg.name}, {"error", ec.message()}});
      continue;
    }
    std::string peer = peer_of(socket);
    if (counters.open_connections.load() >= cfg.max_connections) {
      ++counters.refused_connections;
      log::warn("fhir.connection_refused", {{"server", cfg.name}, {"peer", peer}, {"reason", "max_connections"}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++counters.connections;
    ++counters.open_connections;
    socket.set_option(tcp::no_delay(true));
    auto ex = socket.get_executor();
    if (ssl) {
      asio::co_spawn(ex, session(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *ssl), peer), asio::detached);
    } else {
      asio::co_spawn(ex, session(beast::tcp_stream(std::move(socket)), peer), asio::detached);
    }
  }
}

template <class Stream>
awaitable<bool> HttpServer::Impl::write(Stream& stream, HttpResponse response, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(response.status), version};
  res.set(http::field::server, "medgw");
  for (auto& [name, value] : response.headers) res.set(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(cfg.write_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, kTuple);
  if (ec) {
    log::warn("fhir.write_failed", {{"server", cfg.name}, {"error", ec.message()}});
    co_return false;
  }
  co_return true;
}

template <class Stream>
awaitable<void> HttpServer::Impl::session(Stream stream, std::string peer) {
  auto self = shared_from_this();
  auto& lowest = beast::get_lowest_layer(stream);
  // stop() cancels the session's read through its strand; the flag, cleared on that strand before
  // the session ends, keeps a late cancel from touching a stream that no longer exists. `reading`
  // limits the cancel to a pending read: an answer being computed is still written.
  auto alive = std::make_shared<bool>(true);
  auto reading = std::make_shared<bool>(false);
  std::uint64_t id = 0;
  {
    std::lock_guard lock(sessions_mutex);
    id = ++next_session_id;
    cancel_session.emplace(id, [&lowest, alive, reading, ex = lowest.get_executor()] {
      asio::post(ex, [&lowest, alive, reading] {
        // Non-throwing: a timed-out tcp_stream has closed its socket already (EBADF), and an
        // exception here would escape the io_context and end the gateway.
        boost::system::error_code ignored;
        if (*alive && *reading) lowest.socket().cancel(ignored);
      });
    });
  }
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  bool ok = true;
  if constexpr (kTls) {
    lowest.expires_after(cfg.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      log::warn("fhir.tls_handshake_failed", {{"server", cfg.name}, {"peer", peer}, {"error", ec.message()}});
      ok = false;
    }
  }
  beast::flat_buffer buffer;
  while (ok && !stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
    parser.body_limit(cfg.max_body_bytes);
    // The idle time of a kept-alive connection covers the wait for the next request's header;
    // once the header is in, the body must follow within read_timeout.
    lowest.expires_after(cfg.idle_timeout);
    *reading = true;
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    *reading = false;
    boost::system::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      lowest.expires_after(cfg.read_timeout);
      *reading = true;
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
      *reading = false;
      ec = bec;
    }
    if (ec) {
      if (is_disconnect(ec) || stopping) break;
      ++counters.protocol_errors;
      unsigned status = 400;
      std::string message = "malformed HTTP request: " + ec.message();
      if (ec == http::error::header_limit) {
        status = 431;
        message = "request header larger than " + std::to_string(cfg.max_header_bytes) + " bytes";
      } else if (ec == http::error::body_limit) {
        status = 413;
        message = "request body larger than " + std::to_string(cfg.max_body_bytes) + " bytes";
      }
      log::warn("fhir.bad_request", {{"server", cfg.name}, {"peer", peer}, {"status", status}});
      co_await write(stream, error_page(status, message), 11, false);
      break;
    }
    ++counters.requests;
    auto message = parser.release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.peer = peer;
    request.secure = kTls;
    for (const auto& field : message) {
      request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    const bool keep_alive = message.keep_alive();
    const unsigned version = message.version();
    HttpResponse response;
    if (!parse_target(request.target, request.path, request.query)) {
      response = error_page(400, "the request target has a malformed percent-escape");
    } else {
      lowest.expires_never();  // the handler bounds its own work (request deadline)
      try {
        response = co_await asio::co_spawn(
            pool, [this, &request]() -> awaitable<HttpResponse> { co_return handler(request); }, use_awaitable);
      } catch (const std::exception& e) {
        log::error("fhir.handler_failed", {{"server", cfg.name}, {"error", e.what()}});
        response = error_page(500, "internal error");
      }
    }
    if (!co_await write(stream, std::move(response), version, keep_alive && !stopping)) break;
    if (!keep_alive) break;
  }
  if (ok) {
    if constexpr (kTls) {
      lowest.expires_after(std::chrono::seconds(5));
      co_await stream.async_shutdown(kTuple);
    } else {
      boost::system::error_code ignored;
      lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }
  *alive = false;
  {
    std::lock_guard lock(sessions_mutex);
    cancel_session.erase(id);
  }
  --counters.open_connections;
}

HttpServer::HttpServer(asio::io_context& io, HttpServerConfig config, HttpHandler handler, ErrorPage error_page)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(handler), std::move(error_page))) {}

HttpServer::~HttpServer() {
  impl_->stop();
  impl_->pool.join();
}

std::error_code HttpServer::start(std::string& error_text) { return impl_->start(error_text); }
void HttpServer::stop() { impl_->stop(); }
std::uint16_t HttpServer::port() const { return impl_->bound_port; }
const HttpServerCounters& HttpServer::counters() const { return impl_->counters; }

}  // namespace medgw::fhir

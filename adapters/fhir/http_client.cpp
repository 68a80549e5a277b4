#include "adapters/fhir/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <variant>

namespace medgw::fhir {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Expected<HttpOrigin, std::string> parse_http_url(std::string_view url) {
  HttpOrigin o;
  std::string_view rest;
  if (url.starts_with("https://")) {
    o.scheme = "https";
    o.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    o.scheme = "http";
    o.port = 80;
    rest = url.substr(7);
  } else {
    return unexpected(std::string("must start with http:// or https://"));
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return unexpected(std::string("needs a host (and no user:password@)"));
  }
  if (path.find_first_of("?#") != std::string_view::npos) return unexpected(std::string("must not have a query"));
  std::string_view host = authority;
  if (authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return unexpected(std::string("has an unclosed [IPv6 address]"));
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return unexpected(std::string("has junk after the host"));
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority.remove_prefix(colon);
  } else {
    authority = {};
  }
  if (!authority.empty()) {  // ":port"
    const std::string_view p = authority.substr(1);
    unsigned v = 0;
    const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || v == 0 || v > 65535) {
      return unexpected(std::string("has an invalid port"));
    }
    o.port = static_cast<std::uint16_t>(v);
  }
  if (host.empty()) return unexpected(std::string("needs a host"));
  o.host = std::string(host);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  o.path = std::string(path);
  return o;
}

struct HttpClient::Impl {
  Impl(asio::any_io_executor ex, HttpClientConfig c) : executor(std::move(ex)), cfg(std::move(c)) {}

  asio::any_io_executor executor;
  HttpClientConfig cfg;
  std::unique_ptr<asio::ssl::context> ssl;
  std::variant<std::monostate, beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;

  std::string where() const { return cfg.origin.host + ":" + std::to_string(cfg.origin.port); }
  bool is_open() const { return !std::holds_alternative<std::monostate>(stream); }
  void reset() {
    stream.emplace<std::monostate>();
    buffer.clear();
  }

  awaitable<std::string> connect() {
    tcp::resolver resolver(executor);
    // The resolver has no deadline of its own in Asio; hosts are IPs or local names in practice.
    // Named locals, not temporaries, in co_await expressions (see HttpResult).
    const std::string port = std::to_string(cfg.origin.port);
    auto [rec, results] = co_await resolver.async_resolve(cfg.origin.host, port, kTuple);
    if (rec) co_return "cannot resolve " + cfg.origin.host + ": " + rec.message();
    beast::tcp_stream tcp_stream(executor);
    tcp_stream.expires_after(cfg.connect_timeout);
    auto [cec, ep] = co_await tcp_stream.async_connect(results, kTuple);
    if (cec == beast::error::timeout) co_return "connect to " + where() + " timed out";
    if (cec) co_return "connect to " + where() + " failed: " + cec.message();
    tcp_stream.socket().set_option(tcp::no_delay(true));
    if (!ssl) {
      stream.emplace<beast::tcp_stream>(std::move(tcp_stream));
      co_return "";
    }
    auto& s = stream.emplace<beast::ssl_stream<beast::tcp_stream>>(std::move(tcp_stream), *ssl);
    SSL_set_tlsext_host_name(s.native_handle(), cfg.origin.host.c_str());
    s.set_verify_callback(asio::ssl::host_name_verification(cfg.origin.host));
    beast::get_lowest_layer(s).expires_after(cfg.connect_timeout);
    auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      reset();
      co_return "TLS handshake with " + where() + " failed: " + hec.message();
    }
    co_return "";
  }

  // `started`: some of the response arrived (then it is not retried on a new connection).
  template <class Stream>
  awaitable<HttpResult> exchange(Stream& s, http::verb verb, const std::string& target, const HttpHeaders& headers,
                                 const std::string& body, bool& started) {
    HttpResult result;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, cfg.origin.host);
    req.set(http::field::user_agent, "medgw");
    req.keep_alive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (verb != http::verb::get) {
      req.body() = body;
      req.prepare_payload();
    }
    beast::get_lowest_layer(s).expires_after(cfg.request_timeout);
    auto [wec, wn] = co_await http::async_write(s, req, kTuple);
    if (wec == beast::error::timeout) {
      result.error = "request to " + where() + " timed out";
      co_return result;
    }
    if (wec) {
      result.error = "sending to " + where() + " failed: " + wec.message();
      co_return result;
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
    parser.body_limit(cfg.max_body_bytes);
    auto [rec, rn] = co_await http::async_read(s, buffer, parser, kTuple);
    started = parser.got_some() || rn > 0;
    if (rec == beast::error::timeout) {
      result.error = "no response from " + where() + " in time";
      co_return result;
    }
    if (rec == http::error::body_limit) {
      result.error = "the response of " + where() + " exceeds " + std::to_string(cfg.max_body_bytes) + " bytes";
      co_return result;
    }
    if (rec == http::error::header_limit) {
      result.error = "the response headers of " + where() + " are too large";
      co_return result;
    }
    if (rec) {
      result.error = "reading from " + where() + " failed: " + rec.message();
      co_return result;
    }
    auto& res = parser.get();
    result.response.status = res.result_int();
    result.response.content_type = std::string(res[http::field::content_type]);
    result.response.retry_after = std::string(res[http::field::retry_after]);
    const bool keep = parser.keep_alive();
    result.response.body = std::move(res.body());
    if (!keep) reset();
    co_return result;
  }

  awaitable<HttpResult> send(http::verb verb, std::string target, HttpHeaders headers, std::string body) {
    HttpResult r;
    for (int attempt = 0;; ++attempt) {
      const bool reused = is_open();
      if (!reused) {
        r.error = co_await connect();
        if (!r.error.empty()) {
          reset();
          co_return r;
        }
      }
      bool started = false;
      r.error = "not connected";
      if (auto* p = std::get_if<beast::tcp_stream>(&stream)) {
        r = co_await exchange(*p, verb, target, headers, body, started);
      } else if (auto* t = std::get_if<beast::ssl_stream<beast::tcp_stream>>(&stream)) {
        r = co_await exchange(*t, verb, target, headers, body, started);
      }
      if (r.ok()) co_return r;
      reset();
      // A keep-alive connection the server dropped while idle: once more on a new one.
      if (!reused || started || attempt > 0) co_return r;
    }
  }
};

Expected<std::unique_ptr<HttpClient>, std::string> HttpClient::create(asio::any_io_executor executor,
                                                                      HttpClientConfig config) {
  auto impl = std::make_unique<Impl>(std::move(executor), std::move(config));
  if (impl->cfg.origin.scheme == "https") {
    namespace ssl = asio::ssl;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    const HttpClientConfig& c = impl->cfg;
    if (!c.ca_file.empty()) {
      ctx->load_verify_file(c.ca_file, ec);
      if (ec) return unexpected("TLS ca '" + c.ca_file + "': " + ec.message());
    } else {
      ctx->set_default_verify_paths(ec);
      if (ec) return unexpected("TLS: the system's CA store: " + ec.message());
    }
    if (!c.certificate.empty()) {
      ctx->use_certificate_chain_file(c.certificate, ec);
      if (ec) return unexpected("TLS certificate '" + c.certificate + "': " + ec.message());
      ctx->use_private_key_file(c.private_key, ssl::context::pem, ec);
      if (ec) return unexpected("TLS private_key '" + c.private_key + "': " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer);
    impl->ssl = std::move(ctx);
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

awaitable<HttpResult> HttpClient::get(std::string target, HttpHeaders headers) {
  return impl_->send(http::verb::get, std::move(target), std::move(headers), {});
}

awaitable<HttpResult> HttpClient::post(std::string target, HttpHeaders headers, std::string body) {
  return impl_->send(http::verb::post, std::move(target), std::move(headers), std::move(body));
}

void HttpClient::close() {
  // Only the socket: a pending operation on the stream completes with an error and get() then
  // destroys the stream itself (destroying it under a pending operation would be a use after free).
  boost::system::error_code ec;
  if (auto* p = std::get_if<beast::tcp_stream>(&impl_->stream)) {
    p->socket().close(ec);
  } else if (auto* t = std::get_if<beast::ssl_stream<beast::tcp_stream>>(&impl_->stream)) {
    beast::get_lowest_layer(*t).socket().close(ec);
  }
}

const HttpClientConfig& HttpClient::config() const {
  return impl_->cfg;
}

}  // namespace medgw::fhir

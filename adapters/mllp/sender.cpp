#include "adapters/mllp/sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <variant>

#include "adapters/mllp/frame_decoder.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::mllp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string control_id_of(const std::string& message) {
  auto m = hl7v2::Message::parse(message, {std::nullopt, hl7v2::InvalidBytes::kReplace, {}});
  return m ? std::string(m->control_id()) : std::string{};
}

std::string ack_code_of(std::string_view ack) {
  if (ack == std::string_view("\x06", 1)) return "COMMIT";
  if (ack == std::string_view("\x15", 1)) return "NAK";
  auto m = hl7v2::Message::parse(ack, {std::nullopt, hl7v2::InvalidBytes::kReplace, {}});
  if (!m) return {};
  auto msa = m->find("MSA");
  return msa ? std::string(msa->field(1).raw()) : std::string{};
}

class Connection {
 public:
  Connection(asio::io_context& io, const SenderConfig& cfg) : io_(io), cfg_(cfg), decoder_(cfg.max_ack_bytes) {}

  awaitable<std::string> open() {  // returns an error text, empty on success
    tcp::resolver resolver(io_);
    auto [rec, endpoints] = co_await resolver.async_resolve(cfg_.host, std::to_string(cfg_.port), kTuple);
    if (rec) co_return "cannot resolve " + cfg_.host + ": " + rec.message();
    beast::tcp_stream tcp_stream(io_);
    tcp_stream.expires_after(cfg_.connect_timeout);
    auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kTuple);
    if (cec) co_return "cannot connect to " + cfg_.host + ":" + std::to_string(cfg_.port) + ": " + cec.message();
    tcp_stream.socket().set_option(tcp::no_delay(true));
    decoder_ = FrameDecoder(cfg_.max_ack_bytes);
    if (!cfg_.tls) {
      stream_.emplace<beast::tcp_stream>(std::move(tcp_stream));
      co_return "";
    }
    ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    if (!cfg_.tls->ca.empty()) {
      ssl_->load_verify_file(cfg_.tls->ca, ec);
    } else {
      ssl_->set_default_verify_paths(ec);
    }
    if (!ec && !cfg_.tls->certificate.empty()) ssl_->use_certificate_chain_file(cfg_.tls->certificate, ec);
    if (!ec && !cfg_.tls->private_key.empty()) ssl_->use_private_key_file(cfg_.tls->private_key, asio::ssl::context::pem, ec);
    if (ec) co_return "TLS setup failed: " + ec.message();
    ssl_->set_verify_mode(cfg_.tls->verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
    auto& s = stream_.emplace<beast::ssl_stream<beast::tcp_stream>>(std::move(tcp_stream), *ssl_);
    const std::string name = cfg_.tls->server_name.empty() ? cfg_.host : cfg_.tls->server_name;
    SSL_set_tlsext_host_name(s.native_handle(), name.c_str());
    if (cfg_.tls->verify) s.set_verify_callback(asio::ssl::host_name_verification(name));
    beast::get_lowest_layer(s).expires_after(cfg_.connect_timeout);
    auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) co_return "TLS handshake failed: " + hec.message();
    co_return "";
  }

  bool is_open() const { return !std::holds_alternative<std::monostate>(stream_); }
  void close() { stream_.emplace<std::monostate>(); }

  // Sends one framed message and reads one acknowledgement frame; error text on failure.
  awaitable<std::string> exchange(const std::string& message, std::string& ack) {
    std::string frame(1, kStartBlock);
    frame += message;
    frame += kEndBlock;
    frame += kCarriageReturn;
    std::string error;
    if (auto* s = std::get_if<beast::tcp_stream>(&stream_)) {
      error = co_await exchange_on(*s, frame, ack);
    } else if (auto* t = std::get_if<beast::ssl_stream<beast::tcp_stream>>(&stream_)) {
      error = co_await exchange_on(*t, frame, ack);
    } else {
      error = "not connected";
    }
    co_return error;
  }

 private:
  template <class Stream>
  awaitable<std::string> exchange_on(Stream& s, const std::string& frame, std::string& ack) {
    beast::get_lowest_layer(s).expires_after(cfg_.ack_timeout);
    auto [wec, wn] = co_await asio::async_write(s, asio::buffer(frame), kTuple);
    if (wec) co_return "write failed: " + wec.message();
    std::vector<char> buf(16 * 1024);
    while (true) {
      FrameEvent ev = decoder_.next();
      if (ev == FrameEvent::kFrame) {
        ack.assign(decoder_.payload());
        co_return "";
      }
      if (ev == FrameEvent::kOversize) co_return "acknowledgement larger than " + std::to_string(cfg_.max_ack_bytes) + " bytes";
      if (ev == FrameEvent::kIncomplete) continue;
      auto [rec, n] = co_await s.async_read_some(asio::buffer(buf), kTuple);
      if (rec == beast::error::timeout) co_return "no acknowledgement within " + std::to_string(cfg_.ack_timeout.count()) + " ms";
      if (rec) co_return "read failed: " + rec.message();
      decoder_.feed(std::string_view(buf.data(), n));
    }
  }

  asio::io_context& io_;
  const SenderConfig& cfg_;
  std::unique_ptr<asio::ssl::context> ssl_;
  std::variant<std::monostate, beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>> stream_;
  FrameDecoder decoder_;
};

awaitable<void> run(asio::io_context& io, const SenderConfig& cfg, const std::vector<std::string>& messages,
                    std::vector<SendResult>& results, const std::function<void(const SendResult&)>& on_result) {
  Connection conn(io, cfg);
  for (const std::string& message : messages) {
    SendResult r;
    r.control_id = control_id_of(message);
    for (r.attempts = 1; r.attempts <= cfg.max_attempts; ++r.attempts) {
      if (!conn.is_open()) {
        r.error = co_await conn.open();
        if (!r.error.empty()) continue;
      }
      std::string ack;
      r.error = co_await conn.exchange(message, ack);
      if (r.error.empty()) {
        r.ack_text = ack;
        r.ack_code = ack_code_of(ack);
        if (r.ack_code.empty()) r.error = "the answer is not an acknowledgement";
        break;
      }
      conn.close();  // a timed-out or broken connection is not reused: resend on a fresh one
    }
    if (r.attempts > cfg.max_attempts) r.attempts = cfg.max_attempts;
    if (on_result) on_result(r);
    results.push_back(std::move(r));
  }
}

}  // namespace

std::vector<SendResult> send_messages(const SenderConfig& config, const std::vector<std::string>& messages,
                                      const std::function<void(const SendResult&)>& on_result) {
  asio::io_context io;
  std::vector<SendResult> results;
  asio::co_spawn(io, run(io, config, messages, results, on_result), asio::detached);
  io.run();
  return results;
}

}  // namespace medgw::mllp

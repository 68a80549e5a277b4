#include "adapters/mllp/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "adapters/mllp/async_queue.hpp"
#include "adapters/mllp/frame_decoder.hpp"
#include "adapters/mllp/message_keys.hpp"
#include "gateway/core/backpressure.hpp"
#include "gateway/core/log.hpp"
#include "mappings/hl7v2/ack_builder.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::mllp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

struct MllpListener::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, ListenerConfig c, Queue& q, Backpressure& b)
      : io(io_context), cfg(std::move(c)), queue(q), backpressure(b), acceptor(io_context) {}

  asio::io_context& io;
  ListenerConfig cfg;
  Queue& queue;
  Backpressure& backpressure;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> ssl;
  ListenerCounters counters;
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;

  std::mutex sessions_mutex;
  std::uint64_t next_session_id = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> cancel_session;  // runs on the session's strand

  std::error_code start(std::string& error_text);
  void stop();
  awaitable<void> accept_loop();
  template <class Stream>
  awaitable<void> session(Stream stream, std::string peer);
  template <class Stream>
  awaitable<bool> handle_frame(Stream& stream, std::string raw, const std::string& peer);
  template <class Stream>
  awaitable<bool> write_all(Stream& stream, std::string bytes);
  std::uint64_t register_session(std::function<void()> cancel) {
    std::lock_guard lock(sessions_mutex);
    cancel_session.emplace(++next_session_id, std::move(cancel));
    return next_session_id;
  }
  void unregister_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    cancel_session.erase(id);
  }
};

std::error_code MllpListener::Impl::start(std::string& error_text) {
  if (cfg.tls) {
    namespace fs = std::filesystem;
    for (const std::string& f : {cfg.tls->certificate, cfg.tls->private_key}) {
      if (f.empty() || !fs::exists(f)) {
        error_text = "listener " + cfg.name + ": TLS file '" + f + "' does not exist";
        return std::make_error_code(std::errc::no_such_file_or_directory);
      }
    }
    ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    ssl->use_certificate_chain_file(cfg.tls->certificate, ec);
    if (!ec) ssl->use_private_key_file(cfg.tls->private_key, asio::ssl::context::pem, ec);
    if (!ec && !cfg.tls->ca.empty()) ssl->load_verify_file(cfg.tls->ca, ec);
    if (ec) {
      error_text = "listener " + cfg.name + ": TLS setup failed: " + ec.message();
      return ec;
    }
    if (cfg.tls->require_client_certificate) {
      if (cfg.tls->ca.empty()) {
        error_text = "listener " + cfg.name + ": require_client_certificate needs a ca file";
        return std::make_error_code(std::errc::invalid_argument);
      }
      ssl->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.bind, ec);
  if (ec) {
    error_text = "listener " + cfg.name + ": bad bind address '" + cfg.bind + "'";
    return ec;
  }
  tcp::endpoint endpoint(address, cfg.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_text = "listener " + cfg.name + ": cannot listen on " + cfg.bind + ":" + std::to_string(cfg.port) + ": " +
                 ec.message();
    return ec;
  }
  bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached);
  log::info("mllp.listening", {{"listener", cfg.name}, {"port", static_cast<unsigned>(bound_port)},
                               {"tls", cfg.tls.has_value()}, {"mllp_release", cfg.mllp_release}});
  return {};
}

void MllpListener::Impl::stop() {
  if (stopping.exchange(true)) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
  });
  std::lock_guard lock(sessions_mutex);
  for (auto& [id, cancel] : cancel_session) cancel();
}

awaitable<void> MllpListener::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, accepted] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
    tcp::socket socket(std::move(accepted));  // keeps its strand, as an any_io_executor
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      log::warn("mllp.accept_failed", {{"listener", cfg.name}, {"error", ec.message()}});
      continue;
    }
    std::string peer = peer_of(socket);
    if (counters.open_connections.load() >= cfg.max_connections) {
      ++counters.refused_connections;
      log::warn("mllp.connection_refused", {{"listener", cfg.name}, {"peer", peer}, {"reason", "max_connections"}});
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
awaitable<bool> MllpListener::Impl::write_all(Stream& stream, std::string bytes) {
  beast::get_lowest_layer(stream).expires_after(cfg.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
  if (ec) {
    if (ec == beast::error::timeout) ++counters.timeouts;
    log::warn("mllp.write_failed", {{"listener", cfg.name}, {"error", ec.message()}});
    co_return false;
  }
  co_return true;
}

template <class Stream>
awaitable<void> MllpListener::Impl::session(Stream stream, std::string peer) {
  auto self = shared_from_this();
  auto& lowest = beast::get_lowest_layer(stream);
  // stop() cancels the session's reads through its strand. The flag, cleared on that same strand
  // before the session ends, keeps a late cancel from touching a stream that no longer exists.
  auto alive = std::make_shared<bool>(true);
  const std::uint64_t id = register_session([&lowest, alive, ex = lowest.get_executor()] {
    asio::post(ex, [&lowest, alive] {
      if (*alive) lowest.socket().cancel();
    });
  });
  log::info("mllp.connected", {{"listener", cfg.name}, {"peer", peer}});

  bool ok = true;
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    lowest.expires_after(cfg.frame_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      log::warn("mllp.tls_handshake_failed", {{"listener", cfg.name}, {"peer", peer}, {"error", ec.message()}});
      ok = false;
    }
  }

  FrameDecoder decoder(cfg.max_frame_bytes);
  std::vector<char> buffer(64 * 1024);
  std::size_t skipped_reported = 0;
  std::string close_reason = "closed by peer";
  // frame_timeout bounds a whole frame, from the read that started it: reset per read, a client
  // trickling a byte at a time could hold a connection (and a max_connections slot) forever.
  std::chrono::steady_clock::time_point frame_deadline{};
  bool frame_deadline_set = false;  // frame_deadline belongs to the frame in progress
  while (ok && !stopping) {
    // Handle every complete frame already received before reading more.
    for (FrameEvent ev = decoder.next(); ok && ev != FrameEvent::kNeedMore; ev = decoder.next()) {
      ++counters.received;
      frame_deadline_set = false;  // a frame ended: whatever is in progress now started after it
      if (ev == FrameEvent::kFrame) {
        ok = co_await handle_frame(stream, std::string(decoder.payload()), peer);
      } else if (ev == FrameEvent::kIncomplete) {
        // The end block was lost; the sender will not get an ACK it can match, but the bytes are
        // kept as a rejected message for the operator.
        log::warn("mllp.frame_without_end_block", {{"listener", cfg.name}, {"peer", peer}});
        ok = co_await handle_frame(stream, std::string(decoder.payload()), peer);
      } else {  // kOversize
        ++counters.oversize;
        log::warn("mllp.frame_too_large", {{"listener", cfg.name}, {"peer", peer},
                                           {"limit", static_cast<std::uint64_t>(cfg.max_frame_bytes)}});
        auto header = hl7v2::salvage_header(decoder.payload()).value_or(hl7v2::AckHeader{});
        hl7v2::ErrorDetail e;
        e.code = 207;
        e.diagnostic = "frame exceeds the listener's max_frame_bytes of " + std::to_string(cfg.max_frame_bytes);
        e.user_message = "message too large";
        hl7v2::AckOptions options;
        options.application = cfg.ack_application;
        options.facility = cfg.ack_facility;
        hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {e}, options);
        ++counters.rejected;
        ok = co_await write_all(stream, cfg.mllp_release == 2 ? std::string(kCommitNak)
                                                                : std::string(1, kStartBlock) + ack.text + kEndBlock + kCarriageReturn);
      }
      if (stopping) break;
    }
    if (!ok || stopping) break;
    if (decoder.skipped_bytes() != skipped_reported) {
      counters.skipped_bytes += decoder.skipped_bytes() - skipped_reported;
      skipped_reported = decoder.skipped_bytes();
    }

    // Backpressure: stop reading while the queue is over its high watermark.
    if (backpressure.paused()) {
      asio::steady_timer timer(lowest.get_executor());
      while (!stopping && backpressure.paused()) {
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(kTuple);
      }
      if (stopping) break;
      frame_deadline_set = false;  // the time spent paused is ours, not the sender's
    }

    const bool mid_frame = decoder.in_frame();
    if (!mid_frame) {
      frame_deadline_set = false;
      lowest.expires_after(cfg.idle_timeout);
    } else {
      if (!frame_deadline_set) {
        frame_deadline = std::chrono::steady_clock::now() + cfg.frame_timeout;
        frame_deadline_set = true;
      }
      lowest.expires_at(frame_deadline);
    }
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), kTuple);
    if (ec) {
      if (ec == beast::error::timeout) {
        ++counters.timeouts;
        close_reason = mid_frame ? "frame deadline passed" : "idle timeout";
      } else if (ec == asio::error::operation_aborted) {
        close_reason = "shutdown";
      } else if (ec != asio::error::eof) {
        close_reason = ec.message();
      }
      break;
    }
    decoder.feed(std::string_view(buffer.data(), n));
  }
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    if (ok && !stopping) {
      lowest.expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(kTuple);
    }
  }
  boost::system::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest.socket().close(ignored);
  *alive = false;
  unregister_session(id);
  --counters.open_connections;
  log::info("mllp.disconnected", {{"listener", cfg.name}, {"peer", peer}, {"reason", close_reason}});
}

template <class Stream>
awaitable<bool> MllpListener::Impl::handle_frame(Stream& stream, std::string raw, const std::string& peer) {
  hl7v2::ParseOptions parse_options;
  parse_options.default_charset = cfg.default_charset;
  parse_options.limits.max_message_bytes = cfg.max_frame_bytes;
  hl7v2::AckOptions ack_options;
  ack_options.application = cfg.ack_application;
  ack_options.facility = cfg.ack_facility;

  Envelope env;
  env.source = cfg.name;
  env.received_at_ms = now_ms();
  env.content_type = kContentTypeHl7v2;

  auto parsed = hl7v2::Message::parse(raw, parse_options);
  if (!parsed) {
    const hl7v2::ParseError& error = parsed.error();
    auto header = hl7v2::salvage_header(raw).value_or(hl7v2::AckHeader{});
    hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {hl7v2::error_from(error)}, ack_options);
    env.raw = std::move(raw);
    env.ack = ack.text;
    AppendResult stored = co_await async_append_rejected(queue, std::move(env), error.describe(), use_awaitable);
    ++counters.rejected;
    log::warn("mllp.rejected", {{"listener", cfg.name}, {"peer", peer}, {"id", stored.id},
                                {"stored", !stored.error}, {"error", std::string(hl7v2::to_string(error.code))},
                                {"offset", static_cast<std::uint64_t>(error.offset)}});
    if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitNak));
    if (!ack.send) co_return true;
    co_return co_await write_all(stream, std::string(1, kStartBlock) + ack.text + kEndBlock + kCarriageReturn);
  }

  const hl7v2::Message& message = *parsed;
  const hl7v2::AckHeader header = hl7v2::header_of(message);
  hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kAccepted, {}, ack_options);
  env.dedupe_key = dedupe_key(cfg.name, message);
  env.ordering_key = ordering_key(cfg.name, message);
  env.ack = ack.send ? ack.text : std::string{};
  const hl7v2::Charset charset = message.charset();
  const std::string control_id(message.control_id());
  if (cfg.log_content) log::debug("mllp.content", {{"listener", cfg.name}, {"text", std::string(message.text())}});
  env.raw = std::move(raw);  // `message` views `raw` only when not transcoded; it is not used below

  AppendResult stored = co_await async_append(queue, std::move(env), use_awaitable);
  std::string text;
  bool send = ack.send;
  if (stored.error) {
    ++counters.store_failures;
    log::error("mllp.store_failed", {{"listener", cfg.name}, {"peer", peer}, {"error", stored.error.message()}});
    hl7v2::ErrorDetail e;
    e.code = 207;
    e.severity = 'F';
    e.diagnostic = "the message could not be stored; send it again";
    e.user_message = "temporary failure";
    hl7v2::Ack failure = hl7v2::build_ack(header, hl7v2::AckOutcome::kTemporaryFailure, {e}, ack_options);
    if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitNak));
    send = failure.send;
    text = std::move(failure.text);
  } else if (stored.duplicate) {
    ++counters.duplicates;
    log::info("mllp.duplicate", {{"listener", cfg.name}, {"peer", peer}, {"id", stored.id}});
    text = stored.ack.empty() ? ack.text : stored.ack;
    send = !stored.ack.empty() || ack.send;
  } else {
    ++counters.accepted;
    log::debug("mllp.accepted", {{"listener", cfg.name}, {"id", stored.id}, {"control_id", control_id}});
    text = std::move(ack.text);
  }
  if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitAck));
  if (!send) co_return true;
  auto encoded = hl7v2::encode_from_utf8(text, charset);
  std::string frame(1, kStartBlock);
  frame += encoded ? *encoded : text;
  frame += kEndBlock;
  frame += kCarriageReturn;
  co_return co_await write_all(stream, std::move(frame));
}

MllpListener::MllpListener(asio::io_context& io, ListenerConfig config, Queue& queue, Backpressure& backpressure)
    : impl_(std::make_shared<Impl>(io, std::move(config), queue, backpressure)) {}
MllpListener::~MllpListener() { impl_->stop(); }
std::error_code MllpListener::start(std::string& error_text) { return impl_->start(error_text); }
void MllpListener::stop() { impl_->stop(); }
std::uint16_t MllpListener::port() const { return impl_->bound_port; }
const ListenerConfig& MllpListener::config() const { return impl_->cfg; }
const ListenerCounters& MllpListener::counters() const { return impl_->counters; }
std::size_t MllpListener::open_sessions() const { return impl_->counters.open_connections.load(); }

}  // namespace medgw::mllp

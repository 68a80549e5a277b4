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
#include "gateway/asio/tls_context.hpp"
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

// An ACK's UTF-8 text framed for the wire, in the message's charset. ASCII and UTF-8 need no
// conversion (an ACK that is not ASCII goes out as UTF-8, as encoding it would fail); text that
// cannot be encoded in the message's charset goes out as UTF-8 too.
std::string ack_frame(std::string_view text, const hl7v2::Charset& charset) {
  std::string frame;
  if (charset.kind == hl7v2::CharsetKind::kUtf8 || charset.kind == hl7v2::CharsetKind::kAscii) {
    frame.reserve(text.size() + 3);
    frame += kStartBlock;
    frame += text;
  } else {
    auto encoded = hl7v2::encode_from_utf8(text, charset);
    frame += kStartBlock;
    frame += encoded ? std::string_view(*encoded) : text;
  }
  frame += kEndBlock;
  frame += kCarriageReturn;
  return frame;
}

// MSH-9 parts as they may appear in a log line, an ERR or a reject reason: ID values, short and
// ASCII; anything else is cut and masked, so a malformed MSH-9 cannot put message text there.
std::string id_text(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 8)) out += (c >= 0x21 && c <= 0x7E) ? c : '?';
  return out;
}

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

struct MllpListener::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, ListenerConfig c, Queue& q, Backpressure& b, Intake i)
      : io(io_context), cfg(std::move(c)), intake(std::move(i)), queue(q), backpressure(b), acceptor(io_context) {
    parse_options.default_charset = cfg.default_charset;
    parse_options.limits.max_message_bytes = cfg.max_frame_bytes;
    ack_options.application = cfg.ack_application;
    ack_options.facility = cfg.ack_facility;
  }

  asio::io_context& io;
  ListenerConfig cfg;
  Intake intake;  // called by every session concurrently: its functions only read
  // Built once from cfg, read (never written) by every session.
  hl7v2::ParseOptions parse_options;
  hl7v2::AckOptions ack_options;
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
  awaitable<bool> handle_frame(Stream& stream, std::string raw, const std::string& peer, bool complete = true);
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
    auto ctx = make_server_tls_context(*cfg.tls, "listener " + cfg.name);
    if (!ctx) {
      error_text = ctx.error();
      return std::make_error_code(std::errc::invalid_argument);
    }
    ssl = std::move(*ctx);
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
      // Non-throwing: a timed-out stream has closed its socket already (EBADF), and an exception
      // here would escape the io_context and end the gateway.
      boost::system::error_code ignored;
      if (*alive) lowest.socket().cancel(ignored);
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
        // The end block was lost: the frame may be cut short (even at a segment boundary, where
        // it still parses), so it is answered AR/CR and kept as a rejected message, not processed.
        log::warn("mllp.frame_without_end_block", {{"listener", cfg.name}, {"peer", peer}});
        ok = co_await handle_frame(stream, std::string(decoder.payload()), peer, /*complete=*/false);
      } else {  // kOversize
        ++counters.oversize;
        log::warn("mllp.frame_too_large", {{"listener", cfg.name}, {"peer", peer},
                                           {"limit", static_cast<std::uint64_t>(cfg.max_frame_bytes)}});
        auto header = hl7v2::salvage_header(decoder.payload()).value_or(hl7v2::AckHeader{});
        hl7v2::ErrorDetail e;
        e.code = 207;
        e.diagnostic = "frame exceeds the listener's max_frame_bytes of " + std::to_string(cfg.max_frame_bytes);
        e.user_message = "message too large";
        hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {e}, ack_options);
        ++counters.rejected;
        // Named, not a conditional expression inside co_await: GCC 12 destroys the temporary
        // string of such an expression twice (a double free, found by the integration tests).
        std::string answer = cfg.mllp_release == 2
                                 ? std::string(kCommitNak)
                                 : std::string(1, kStartBlock) + ack.text + kEndBlock + kCarriageReturn;
        ok = co_await write_all(stream, std::move(answer));
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
awaitable<bool> MllpListener::Impl::handle_frame(Stream& stream, std::string raw, const std::string& peer,
                                                 bool complete) {
  Envelope env;
  env.source = cfg.name;
  env.received_at_ms = now_ms();
  env.content_type = kContentTypeHl7v2;

  // Without MSH-18 the frame is in the charset the site gives its sender (GBK from a Chinese HIS),
  // decoded here by the rule the pipeline decodes it by, so it is not refused as bad UTF-8 at the
  // door and then mapped fine.
  std::optional<hl7v2::ParseOptions> sender_options;
  if (intake.default_charset) {
    sender_options = parse_options;
    sender_options->default_charset = intake.default_charset(raw);
  }
  auto parsed = hl7v2::Message::parse(raw, sender_options ? *sender_options : parse_options);
  if (!parsed || !complete) {
    hl7v2::ErrorDetail detail;
    std::string reason, error_name;
    std::uint64_t offset = raw.size();
    if (!parsed) {
      const hl7v2::ParseError& error = parsed.error();
      detail = hl7v2::error_from(error);
      reason = error.describe();
      error_name = hl7v2::to_string(error.code);
      offset = error.offset;
    } else {
      detail.diagnostic = "a start block arrived before this frame's end block (0x1C 0x0D): it may be cut short";
      detail.user_message = "incomplete frame";
      reason = "incomplete frame: no end block before the next start block";
      error_name = "incomplete_frame";
    }
    auto header = hl7v2::salvage_header(raw).value_or(hl7v2::AckHeader{});
    hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {detail}, ack_options);
    env.raw = std::move(raw);
    env.ack = ack.text;
    AppendResult stored = co_await async_append_rejected(queue, std::move(env), std::move(reason), use_awaitable);
    ++counters.rejected;
    log::warn("mllp.rejected", {{"listener", cfg.name}, {"peer", peer}, {"id", stored.id},
                                {"stored", !stored.error}, {"error", error_name}, {"offset", offset}});
    if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitNak));
    if (!ack.send) co_return true;
    co_return co_await write_all(stream, std::string(1, kStartBlock) + ack.text + kEndBlock + kCarriageReturn);
  }

  const hl7v2::Message& message = *parsed;
  const hl7v2::AckHeader header = hl7v2::header_of(message);
  // A type medgw does not map would be acknowledged and then only parked: the sender would
  // believe it delivered. HL7 answers an unsupported MSH-9 with AR/CR at acceptance (table 0357
  // codes 200/201); the raw message is still stored, as rejected, so nothing sent is lost.
  if (intake.message_type && cfg.reject_unmapped_types) {
    const Intake::Type type = intake.message_type(message.message_code(), message.trigger_event());
    if (type != Intake::Type::kMapped) {
      const bool event = type == Intake::Type::kUnknownEvent;
      const std::string what = id_text(message.message_code()) + "^" + id_text(message.trigger_event());
      hl7v2::ErrorDetail e;
      e.code = event ? 201 : 200;
      e.segment = "MSH";
      e.sequence = 1;
      e.field = 9;
      e.component = event ? 2 : 1;
      e.diagnostic = (event ? "no mapping for the event of " : "no mapping for message type ") + what;
      e.user_message = event ? "unsupported event code" : "unsupported message type";
      hl7v2::Ack refused = hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {e}, ack_options);
      const hl7v2::Charset charset = message.charset();
      env.raw = std::move(raw);  // `message` is not used below
      env.ack = refused.text;
      // Named, not built inside co_await: see the oversize answer above.
      std::string reason = "unsupported: MSH-9: " + e.diagnostic;
      AppendResult stored = co_await async_append_rejected(queue, std::move(env), std::move(reason), use_awaitable);
      ++counters.rejected;
      log::warn("mllp.rejected", {{"listener", cfg.name}, {"peer", peer}, {"id", stored.id}, {"stored", !stored.error},
                                  {"error", event ? "unsupported-event" : "unsupported-message-type"},
                                  {"message_type", what}});
      if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitNak));
      if (!refused.send) co_return true;
      std::string frame = ack_frame(refused.text, charset);  // named: see the oversize answer above
      co_return co_await write_all(stream, std::move(frame));
    }
  }
  hl7v2::Ack ack = hl7v2::build_ack(header, hl7v2::AckOutcome::kAccepted, {}, ack_options);
  env.dedupe_key = dedupe_key(cfg.name, message);
  env.ordering_key = ordering_key(cfg.name, message);
  const hl7v2::Charset charset = message.charset();
  // The positive ACK is framed now, so its text can move into the envelope (which keeps it for a
  // duplicate) instead of being copied; it is sent only after the commit, below.
  std::string accepted_frame;
  if (ack.send && cfg.mllp_release != 2) accepted_frame = ack_frame(ack.text, charset);
  env.ack = ack.send ? std::move(ack.text) : std::string{};
  const bool debug = log::level() <= log::Level::kDebug;
  const std::string control_id = debug ? std::string(message.control_id()) : std::string{};
  if (cfg.log_content) log::debug("mllp.content", {{"listener", cfg.name}, {"text", std::string(message.text())}});
  env.raw = std::move(raw);  // `message` views `raw` only when not transcoded; it is not used below

  AppendResult stored = co_await async_append(queue, std::move(env), use_awaitable);
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
    if (!failure.send) co_return true;
    std::string frame = ack_frame(failure.text, charset);  // named: see the oversize answer above
    co_return co_await write_all(stream, std::move(frame));
  }
  if (stored.duplicate) {
    ++counters.duplicates;
    log::info("mllp.duplicate", {{"listener", cfg.name}, {"peer", peer}, {"id", stored.id}});
  } else {
    ++counters.accepted;
    if (debug) log::debug("mllp.accepted", {{"listener", cfg.name}, {"id", stored.id}, {"control_id", control_id}});
  }
  if (cfg.mllp_release == 2) co_return co_await write_all(stream, std::string(kCommitAck));
  // A duplicate gets the acknowledgement its original got, when one was sent.
  if (stored.duplicate && !stored.ack.empty()) {
    std::string frame = ack_frame(stored.ack, charset);
    co_return co_await write_all(stream, std::move(frame));
  }
  if (!ack.send) co_return true;
  co_return co_await write_all(stream, std::move(accepted_frame));
}

MllpListener::MllpListener(asio::io_context& io, ListenerConfig config, Queue& queue, Backpressure& backpressure,
                           Intake intake)
    : impl_(std::make_shared<Impl>(io, std::move(config), queue, backpressure, std::move(intake))) {}
MllpListener::~MllpListener() { impl_->stop(); }
std::error_code MllpListener::start(std::string& error_text) { return impl_->start(error_text); }
void MllpListener::stop() { impl_->stop(); }
std::uint16_t MllpListener::port() const { return impl_->bound_port; }
const ListenerConfig& MllpListener::config() const { return impl_->cfg; }
const ListenerCounters& MllpListener::counters() const { return impl_->counters; }
std::size_t MllpListener::open_sessions() const { return impl_->counters.open_connections.load(); }

}  // namespace medgw::mllp

#include "conformance/listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <memory>

#include "adapters/mllp/frame_decoder.hpp"
#include "conformance/profile_set.hpp"
#include "conformance/suite_runner.hpp"
#include "conformance/validator.hpp"
#include "mappings/hl7v2/ack_builder.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::conformance {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kMaxErrSegments = 10;

hl7v2::ErrorDetail detail_of(const Finding& f) {
  hl7v2::ErrorDetail d;
  d.code = f.hl7_error_code ? f.hl7_error_code : 207;
  d.segment = f.location.segment;
  d.sequence = f.location.occurrence;
  d.field = f.location.field;
  d.repetition = f.location.repetition;
  d.component = f.location.component;
  d.subcomponent = f.location.subcomponent;
  d.severity = 'E';
  d.diagnostic = f.rule;  // the rule id only: the description may name a value
  return d;
}

std::string message_type_of(std::string_view bytes, const ProfileSet& profiles) {
  hl7v2::ParseOptions o;
  if (!profiles.site.default_charset.empty()) o.default_charset = hl7v2::find_charset(profiles.site.default_charset);
  auto m = hl7v2::Message::parse(bytes, o);
  if (!m) return {};
  return std::string(m->message_code()) + "^" + std::string(m->trigger_event());
}

class Session;

struct State {
  const Suite& suite;
  const ProfileSet& profiles;
  std::ostream& progress;
  Report report;
  std::size_t received = 0;
  bool done = false;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::signal_set signals{io, SIGINT, SIGTERM};

  State(const Suite& s, const ProfileSet& p, std::ostream& out) : suite(s), profiles(p), progress(out) {}
  void finish() {
    done = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    io.stop();
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(State& state, tcp::socket socket, std::size_t max_frame) : state_(state), socket_(std::move(socket)), decoder_(max_frame) {}

  void start() { read(); }

 private:
  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      self->decoder_.feed(std::string_view(self->buffer_.data(), n));
      self->drain();
    });
  }

  void drain() {
    for (;;) {
      const mllp::FrameEvent e = decoder_.next();
      if (e == mllp::FrameEvent::kNeedMore) break;
      const std::string frame(decoder_.payload());
      const std::size_t index = state_.received++;
      const Step* step = index < state_.suite.steps.size() ? &state_.suite.steps[index] : nullptr;
      ListenAnswer a = answer_message(state_.profiles, step, index, frame);
      if (e == mllp::FrameEvent::kOversize) {
        a.result.findings.push_back({Severity::kError, Location{}, "mllp.oversize", 0, "the frame is larger than the limit", ""});
      }
      state_.progress << "step " << index + 1 << ": " << (a.result.message_type.empty() ? "-" : a.result.message_type) << " "
                      << (a.result.control_id.empty() ? "-" : a.result.control_id) << " -> "
                      << (a.result.passed() ? "PASS" : "FAIL") << "\n";
      state_.report.cases.push_back(std::move(a.result));
      pending_.push_back("\x0B" + a.ack + "\x1C\x0D");
    }
    write();
  }

  void write() {
    if (pending_.empty()) {
      if (state_.received >= state_.suite.steps.size()) {
        state_.finish();
        return;
      }
      read();
      return;
    }
    auto self = shared_from_this();
    out_ = std::move(pending_.front());
    pending_.erase(pending_.begin());
    asio::async_write(socket_, asio::buffer(out_), [self](boost::system::error_code ec, std::size_t) {
      if (ec) return;
      self->write();
    });
  }

  State& state_;
  tcp::socket socket_;
  mllp::FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::vector<std::string> pending_;
  std::string out_;
};

void accept(State& state, std::size_t max_frame) {
  state.acceptor.async_accept([&state, max_frame](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    std::make_shared<Session>(state, std::move(socket), max_frame)->start();
    accept(state, max_frame);
  });
}

}  // namespace

ListenAnswer answer_message(const ProfileSet& profiles, const Step* step, std::size_t index, std::string_view bytes) {
  ListenAnswer out;
  ValidateOptions vo;
  vo.today = utc_today();
  hl7v2::ParseOptions po;
  if (!profiles.site.default_charset.empty()) po.default_charset = hl7v2::find_charset(profiles.site.default_charset);
  auto message = hl7v2::Message::parse(bytes, po);
  out.result = message ? validate_parsed(profiles, *message, vo) : validate_message(profiles, bytes, vo);
  out.result.name = "step " + std::to_string(index + 1) + (step ? ": " + step->name : ": (not in the suite)");

  // The gateway's answer: AR when it cannot take the message at all, AE when its content is wrong.
  bool reject = !message;
  std::vector<hl7v2::ErrorDetail> errors;
  for (const Finding& f : out.result.findings) {
    if (f.severity != Severity::kError) continue;
    if (f.rule.rfind("profile.", 0) == 0) reject = true;
    if (errors.size() < kMaxErrSegments) errors.push_back(detail_of(f));
  }
  if (!message && errors.empty()) errors.push_back(hl7v2::error_from(message.error()));
  const hl7v2::AckOutcome outcome = reject ? hl7v2::AckOutcome::kRejected
                                    : errors.empty() ? hl7v2::AckOutcome::kAccepted
                                                     : hl7v2::AckOutcome::kContentError;
  const hl7v2::AckHeader header =
      message ? hl7v2::header_of(*message) : hl7v2::salvage_header(bytes).value_or(hl7v2::AckHeader{});
  hl7v2::AckOptions ack_options;
  ack_options.mode = hl7v2::AckMode::kOriginal;  // the scenario's ACK codes are AA/AE/AR
  const hl7v2::Ack ack = hl7v2::build_ack(header, outcome, errors, ack_options);
  out.ack = ack.text;
  if (message && message->charset().kind != hl7v2::CharsetKind::kUtf8 && message->charset().kind != hl7v2::CharsetKind::kAscii) {
    if (auto encoded = hl7v2::encode_from_utf8(ack.text, message->charset())) out.ack = std::move(*encoded);
  }

  if (step == nullptr) {
    out.result.findings.push_back({Severity::kError, Location{}, "scenario.extra-message", 0,
                                   "more messages than the suite has steps", out.result.message_type});
    return out;
  }
  // A step that expects an error ACK is a deliberately wrong message: the profile's errors are
  // what it is about, and the scenario checks below decide whether it passes.
  if (step->ack != "AA") {
    for (Finding& f : out.result.findings) {
      if (f.severity == Severity::kError) f.severity = Severity::kInfo;
    }
  }
  const std::string want_type = message_type_of(step->message, profiles);
  if (!want_type.empty() && want_type != out.result.message_type) {
    out.result.findings.push_back({Severity::kError, Location{"MSH", 1, 1, 9, 0, 0, 0}, "scenario.unexpected-message", 0,
                                   "this step expects a " + want_type + " message", out.result.message_type});
  }
  for (Finding& f : check_ack(*step, ack.text)) out.result.findings.push_back(std::move(f));
  return out;
}

Expected<Report, std::string> listen_for_suite(const Suite& suite, const ListenOptions& options, std::ostream& progress) {
  const std::string dir = resolve_profile_dir(suite.profile);
  if (dir.empty()) return unexpected("the suite's profile set \"" + suite.profile + "\" is not found");
  auto profiles = load_profile_set(dir);
  if (!profiles) return unexpected(profiles.error());
  State state(suite, *profiles, progress);
  state.report = new_report("listen");
  state.report.suite = suite.name;
  state.report.profile = profiles->name;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.bind, ec);
  if (ec) return unexpected(std::string("--bind: not an IP address"));
  const tcp::endpoint endpoint(address, options.port);
  state.acceptor.open(endpoint.protocol(), ec);
  if (!ec) state.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state.acceptor.bind(endpoint, ec);
  if (!ec) state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected("cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " + ec.message());
  state.report.target = "mllp listener " + options.bind + ":" + std::to_string(state.acceptor.local_endpoint().port());
  progress << "listening on " << options.bind << ":" << state.acceptor.local_endpoint().port() << " for suite " << suite.name
           << " (" << suite.steps.size() << " steps)" << std::endl;
  state.signals.async_wait([&state](boost::system::error_code e, int) {
    if (!e) state.finish();
  });
  accept(state, options.max_frame_bytes);
  state.io.run();
  for (std::size_t i = state.received; i < suite.steps.size(); ++i) {
    CaseResult missing;
    missing.name = "step " + std::to_string(i + 1) + ": " + suite.steps[i].name;
    missing.findings.push_back({Severity::kError, Location{}, "scenario.not-received", 0, "this step's message was never received", ""});
    state.report.cases.push_back(std::move(missing));
  }
  return std::move(state.report);
}

}  // namespace medgw::conformance

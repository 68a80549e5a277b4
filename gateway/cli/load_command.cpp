// `medgw load --to HOST:PORT -c C (-n TOTAL | --seconds S) [--message FILE] [--label NAME]`: an
// MLLP load generator. Opens C connections (one thread, Asio coroutines), keeps exactly one
// message outstanding on each, gives every message a unique MSH-10 (so a gateway's dedupe does
// not collapse them), checks every acknowledgement (MSA-1 AA or CA, MSA-2 the MSH-10 sent) and
// prints one line that tests/bench/mllp_bench.sh reads:
//   RESULT name=<label> connections=C messages=N seconds=T msgs_per_s=X p50_ms=Y p99_ms=Z errors=E
// Latency is per message, from the write of its frame to the receipt of its whole ACK frame.
// With --seconds, messages sent during --warmup are not counted; every message sent before the
// deadline is still awaited and counted.
// Placeholders in the message vary it per message, so a pipeline sees many patients and reports:
// "{ID}" becomes the message's 20-character MSH-10 (a report number, say), "{PATIENT}" an
// 8-character patient number, one of --patients (messages of one patient keep their order in the
// gateway, so a load on one patient measures one ordering key). Exit status 1 when any message failed (or none was
// acknowledged), 2 on bad arguments or an unreadable message file.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "adapters/mllp/frame_decoder.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/host_port.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/batch.hpp"

namespace medgw::cli {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A lab result as a laboratory system sends it: ~600 bytes, ASCII, segments ended by CR. MSH-10
// is replaced in every message.
constexpr std::string_view kDefaultMessage =
    "MSH|^~\\&|LIS|CITY-HOSP|MEDGW|CRM|20261123101500+0800||ORU^R01^ORU_R01|LAB0000000001|P|2.5.1\r"
    "PID|1||100234^^^CITYHOSP^MR~4403011990030712^^^CHN^NNCHN||ZHANG^WEI||19900307|M|||"
    "12 ZHONGSHAN RD^^SHENZHEN^GD^518000^CHN||^PRN^PH^^86^755^83210000\r"
    "PV1|1|O|LAB^^^CITYHOSP||||D1234^LI^NA|||||||||||V0012345\r"
    "OBR|1|ORD1001^HIS|LAB1001^LIS|24331-1^Lipid panel^LN|||20261123080000+0800|||||||||"
    "D1234^LI^NA||||||20261123101000+0800||CH|F\r"
    "OBX|1|NM|2093-3^Cholesterol [Mass/volume] in Serum or Plasma^LN||5.2|mmol/L^^UCUM|3.1-5.7|N|||F|||"
    "20261123080000+0800\r"
    "OBX|2|NM|2571-8^Triglyceride [Mass/volume] in Serum or Plasma^LN||2.1|mmol/L^^UCUM|0.4-1.7|H|||F|||"
    "20261123080000+0800\r"
    "OBX|3|NM|2085-9^HDL cholesterol^LN||1.1|mmol/L^^UCUM|1.0-1.6|N|||F|||20261123080000+0800\r"
    "NTE|1||Fasting sample\r";

struct LoadArgs {
  std::string to;
  int connections = 1;
  long long total = 0;
  double seconds = 0;
  double warmup = 0;
  std::string message_file;
  std::string label = "load";
  int timeout_ms = 10'000;
  std::uint64_t patients = 1000;
};

constexpr std::string_view kIdPlaceholder = "{ID}";
constexpr std::string_view kPatientPlaceholder = "{PATIENT}";
constexpr int kIdWidth = 20;
constexpr int kPatientWidth = 8;

// The frame of one message with MSH-10 cut out: VT + head + <control id> + tail + FS CR.
struct Template {
  std::string head;
  std::string tail;
};

bool make_template(std::string_view message, Template& t, std::string& error) {
  if (message.size() < 8 || message.substr(0, 3) != "MSH") {
    error = "the message does not start with MSH";
    return false;
  }
  const char sep = message[3];
  const std::size_t seg_end = std::min(message.find_first_of("\r\n"), message.size());
  // After the k-th field separator of MSH comes MSH-(k+1): MSH-10 follows the 9th.
  std::size_t pos = 3;
  for (int k = 1; k < 9; ++k) {
    pos = message.find(sep, pos + 1);
    if (pos == std::string_view::npos || pos >= seg_end) {
      error = "the message's MSH segment has no MSH-10 field";
      return false;
    }
  }
  const std::size_t begin = pos + 1;
  std::size_t end = message.find(sep, begin);
  if (end == std::string_view::npos || end > seg_end) end = seg_end;
  t.head.assign(1, mllp::kStartBlock);
  t.head.append(message.substr(0, begin));
  t.tail.assign(message.substr(end));
  t.tail += mllp::kEndBlock;
  t.tail += mllp::kCarriageReturn;
  return true;
}

// Field `n` (1-based) of a segment, split at `sep`.
std::string_view field_of(std::string_view segment, char sep, int n) {
  std::size_t pos = 0;
  for (int k = 0; k < n; ++k) {
    pos = segment.find(sep, pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  std::size_t end = segment.find(sep, pos);
  return segment.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

// True when `ack` is an acknowledgement with MSA-1 AA or CA and MSA-2 equal to `control_id`.
bool ack_accepts(std::string_view ack, std::string_view control_id) {
  if (ack.size() < 8 || ack.substr(0, 3) != "MSH") return false;
  const char sep = ack[3];
  std::size_t pos = 0;
  while (pos < ack.size()) {
    std::size_t end = ack.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = ack.size();
    std::string_view seg = ack.substr(pos, end - pos);
    if (seg.size() > 3 && seg.substr(0, 3) == "MSA" && seg[3] == sep) {
      std::string_view code = field_of(seg, sep, 1);
      return (code == "AA" || code == "CA") && field_of(seg, sep, 2) == control_id;
    }
    pos = end + 1;
  }
  return false;
}

struct Run {
  Run(const LoadArgs& a, asio::io_context& i) : args(a), io(i) {}
  const LoadArgs& args;
  asio::io_context& io;
  tcp::resolver::results_type endpoints;
  Template tmpl;
  std::string run_tag;  // makes control ids unique across runs against the same gateway
  bool by_count = false;
  long long issued = 0;
  Clock::time_point start, measure_from, deadline;
  Clock::time_point last_ack;
  std::vector<std::uint64_t> latencies_ns;  // of counted messages
  std::uint64_t errors = 0;
  int running = 0;
  std::string first_error;

  void fail(std::string what) {
    ++errors;
    if (first_error.empty()) first_error = std::move(what);
  }
};

// Writes `n` as `width` characters of base 36 at `out`.
void put_base36(char* out, int width, std::uint64_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int i = width - 1; i >= 0; --i) {
    out[i] = kDigits[n % 36];
    n /= 36;
  }
}

class Connection {
 public:
  Connection(Run& run, int index) : run_(run), index_(index), socket_(run.io), decoder_(1u << 20) {
    // MSH-10: run tag (6) + connection (4) + sequence (10) = 20 characters, the length v2.5 allows.
    frame_ = run.tmpl.head;
    frame_ += run.run_tag;
    frame_.append(14, '0');
    put_base36(frame_.data() + run.tmpl.head.size() + 6, 4, static_cast<std::uint64_t>(index));
    id_at_ = run.tmpl.head.size();
    // The tail with its placeholders widened to fixed-width slots, filled per message.
    std::string_view tail = run.tmpl.tail;
    for (;;) {
      const std::size_t id = tail.find(kIdPlaceholder), patient = tail.find(kPatientPlaceholder);
      const std::size_t next = std::min(id, patient);
      if (next == std::string_view::npos) break;
      frame_.append(tail.substr(0, next));
      if (next == id) {
        id_slots_.push_back(frame_.size());
        frame_.append(kIdWidth, '0');
        tail.remove_prefix(next + kIdPlaceholder.size());
      } else {
        patient_slots_.push_back(frame_.size());
        frame_.append(kPatientWidth, '0');
        tail.remove_prefix(next + kPatientPlaceholder.size());
      }
    }
    frame_ += tail;
    buffer_.resize(16 * 1024);
  }

  awaitable<bool> connect() {
    auto [ec, ep] = co_await asio::async_connect(socket_, run_.endpoints, kTuple);
    if (ec) {
      run_.fail("connection " + std::to_string(index_) + ": cannot connect: " + ec.message());
      co_return false;
    }
    socket_.set_option(tcp::no_delay(true));
    co_return true;
  }

  awaitable<void> loop() {
    ++run_.running;
    std::uint64_t seq = 0;
    while (true) {
      if (run_.by_count) {
        if (run_.issued >= run_.args.total) break;
        ++run_.issued;
      } else if (Clock::now() >= run_.deadline) {
        break;
      }
      put_base36(frame_.data() + id_at_ + 10, 10, seq);
      for (auto at : id_slots_) std::copy_n(frame_.data() + id_at_, kIdWidth, frame_.data() + at);
      if (!patient_slots_.empty()) {
        // Spread over the pool: connection-major, so concurrent connections rarely share one.
        const std::uint64_t patient = (seq * static_cast<std::uint64_t>(run_.args.connections) +
                                       static_cast<std::uint64_t>(index_)) % run_.args.patients;
        for (auto at : patient_slots_) put_base36(frame_.data() + at, kPatientWidth, patient);
      }
      ++seq;
      const std::string_view control_id(frame_.data() + id_at_, 20);
      const Clock::time_point sent = Clock::now();
      sent_at_ = sent;
      waiting_ = true;
      auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(frame_), kTuple);
      if (wec) {
        run_.fail("connection " + std::to_string(index_) + ": write failed: " + wec.message());
        break;
      }
      std::string_view ack;
      bool broken = false;
      while (true) {
        mllp::FrameEvent ev = decoder_.next();
        if (ev == mllp::FrameEvent::kFrame) {
          ack = decoder_.payload();
          break;
        }
        if (ev == mllp::FrameEvent::kIncomplete) continue;
        if (ev == mllp::FrameEvent::kOversize) {
          run_.fail("connection " + std::to_string(index_) + ": acknowledgement over 1 MiB");
          broken = true;
          break;
        }
        auto [rec, n] = co_await socket_.async_read_some(asio::buffer(buffer_), kTuple);
        if (rec) {
          run_.fail("connection " + std::to_string(index_) + ": " +
                    (timed_out_ ? std::string("no acknowledgement within ") + std::to_string(run_.args.timeout_ms) + " ms"
                                : "read failed: " + rec.message()));
          broken = true;
          break;
        }
        decoder_.feed(std::string_view(buffer_.data(), n));
      }
      if (broken) break;
      const Clock::time_point acked = Clock::now();
      waiting_ = false;
      if (!ack_accepts(ack, control_id)) {
        std::string shown(ack.substr(0, 200));
        std::replace(shown.begin(), shown.end(), '\r', '\n');
        run_.fail("connection " + std::to_string(index_) + ": not accepted (MSA-1 AA/CA and MSA-2 " +
                  std::string(control_id) + " expected):\n" + shown);
        continue;
      }
      if (sent >= run_.measure_from) {
        run_.latencies_ns.push_back(static_cast<std::uint64_t>(std::chrono::nanoseconds(acked - sent).count()));
        if (acked > run_.last_ack) run_.last_ack = acked;
      }
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    --run_.running;
  }

  // Called by the watchdog: cuts off a connection whose acknowledgement is overdue.
  void check_deadline(Clock::time_point now) {
    if (waiting_ && !timed_out_ && now - sent_at_ > std::chrono::milliseconds(run_.args.timeout_ms)) {
      timed_out_ = true;
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    }
  }

 private:
  Run& run_;
  int index_;
  tcp::socket socket_;
  mllp::FrameDecoder decoder_;
  std::string frame_;
  std::vector<std::size_t> id_slots_, patient_slots_;  // offsets of {ID} and {PATIENT} in frame_
  std::size_t id_at_ = 0;
  std::vector<char> buffer_;
  Clock::time_point sent_at_;
  bool waiting_ = false;
  bool timed_out_ = false;
};

awaitable<void> drive(Run& run, std::vector<std::unique_ptr<Connection>>& conns) {
  for (auto& c : conns) {
    if (!co_await c->connect()) co_return;
  }
  run.start = Clock::now();
  if (run.by_count) {
    run.measure_from = run.start;
  } else {
    run.measure_from = run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.args.warmup));
    run.deadline = run.measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.args.seconds));
  }
  run.last_ack = run.measure_from;
  for (auto& c : conns) asio::co_spawn(run.io, c->loop(), asio::detached);
  asio::steady_timer watchdog(run.io);
  do {
    watchdog.expires_after(std::chrono::milliseconds(50));
    co_await watchdog.async_wait(kTuple);
    const auto now = Clock::now();
    for (auto& c : conns) c->check_deadline(now);
  } while (run.running > 0);
}

double percentile_ms(std::vector<std::uint64_t>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;
}

int run(const LoadArgs& args) {
  if ((args.total > 0) == (args.seconds > 0)) {
    std::cerr << "medgw load: give exactly one of -n TOTAL and --seconds S\n";
    return 2;
  }
  auto to = parse_host_port(args.to);
  if (!to) {
    std::cerr << "medgw load: " << to.error() << "\n";
    return 2;
  }
  const std::string host = to->host;
  const std::string port = std::to_string(to->port);

  std::string message;
  if (args.message_file.empty()) {
    message = std::string(kDefaultMessage);
  } else {
    auto data = read_file(args.message_file);
    if (!data) {
      std::cerr << "medgw load: " << data.error() << "\n";
      return 2;
    }
    auto file = hl7v2::read_batch(*data);
    if (!file || file->all_messages().empty()) {
      std::cerr << "medgw load: " << args.message_file << ": "
                << (file ? std::string("no message in the file") : file.error().describe()) << "\n";
      return 2;
    }
    message = hl7v2::with_cr_terminators(file->all_messages().front().text);
  }

  asio::io_context io(1);
  Run r(args, io);
  std::string error;
  if (!make_template(message, r.tmpl, error)) {
    std::cerr << "medgw load: " << error << "\n";
    return 2;
  }
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  r.endpoints = resolver.resolve(host, port, ec);
  if (ec) {
    std::cerr << "medgw load: cannot resolve " << args.to << ": " << ec.message() << "\n";
    return 2;
  }
  r.run_tag.resize(6);
  const auto seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                    (static_cast<std::uint64_t>(::getpid()) << 20);
  put_base36(r.run_tag.data(), 6, seed);
  r.by_count = args.total > 0;
  r.latencies_ns.reserve(r.by_count ? static_cast<std::size_t>(args.total)
                                    : static_cast<std::size_t>(std::min(args.seconds, 600.0) * 200'000));

  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < args.connections; ++i) conns.push_back(std::make_unique<Connection>(r, i));
  asio::co_spawn(io, drive(r, conns), asio::detached);
  io.run();

  const double elapsed = std::chrono::duration<double>(r.last_ack - r.measure_from).count();
  const std::size_t n = r.latencies_ns.size();
  const double p50 = percentile_ms(r.latencies_ns, 0.50);
  const double p99 = percentile_ms(r.latencies_ns, 0.99);
  if (!r.first_error.empty()) std::cerr << "medgw load: " << r.errors << " errors; first: " << r.first_error << "\n";
  std::printf("RESULT name=%s connections=%d messages=%zu seconds=%.3f msgs_per_s=%.1f p50_ms=%.3f p99_ms=%.3f errors=%llu\n",
              args.label.c_str(), args.connections, n, elapsed, elapsed > 0 ? static_cast<double>(n) / elapsed : 0.0,
              p50, p99, static_cast<unsigned long long>(r.errors));
  std::fflush(stdout);
  return (r.errors > 0 || n == 0) ? 1 : 0;
}

}  // namespace

void add_load_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LoadArgs>();
  CLI::App* cmd = app.add_subcommand(
      "load", "MLLP load generator: C connections, one message outstanding on each; prints msgs/s and ACK latency");
  cmd->add_option("--to", args->to, "HOST:PORT of the MLLP listener")->required();
  cmd->add_option("-c,--connections", args->connections, "Connections, each with one message outstanding")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cmd->add_option("-n,--messages", args->total, "Send this many messages in all")->check(CLI::PositiveNumber);
  cmd->add_option("--seconds", args->seconds, "Send for this long (after --warmup)")->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "With --seconds: send this long first without counting")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--message", args->message_file, "The message to send (its first one; MSH-10 is replaced)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--patients", args->patients, "How many patient numbers {PATIENT} cycles through")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  cmd->add_option("--label", args->label, "The name printed in the RESULT line")->capture_default_str();
  cmd->add_option("--timeout-ms", args->timeout_ms, "An acknowledgement later than this is an error")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace medgw::cli

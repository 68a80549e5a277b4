#include "mappings/hl7v2/ack_builder.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "mappings/hl7v2/encoder.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

// "2.5.1" -> 25; "2.3" -> 23; unknown -> 0.
int version_number(std::string_view v) {
  if (v.size() < 3 || v[0] < '1' || v[0] > '9' || v[1] != '.' || v[2] < '0' || v[2] > '9') return 0;
  return (v[0] - '0') * 10 + (v[2] - '0');
}

// Formatted once a second per thread: an ACK is built for every message, and strftime with the
// time zone lookup behind it cost more than the rest of the ACK.
const std::string& now_timestamp() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached_text;
  const std::time_t t = std::time(nullptr);
  if (t != cached_second) {
    std::tm local{};
    localtime_r(&t, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S%z", &local);
    cached_text = buf;
    cached_second = t;
  }
  return cached_text;
}

// What escape() would change: a delimiter, or a control character other than TAB.
bool needs_escape(std::string_view text, const Delimiters& d) {
  for (char c : text) {
    if (d.is_delimiter(c) || (static_cast<unsigned char>(c) < 0x20 && c != '\t')) return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view text, const Delimiters& d) {
  if (needs_escape(text, d)) {
    out += escape(text, d);
  } else {
    out += text;
  }
}

// The ACK without ERR segments, written straight into its text: the same bytes MessageWriter
// produces (tests/unit/mappings/hl7v2/ack_builder_test.cpp compares the two), without the
// nested vectors of strings it builds per field. Every accepted message takes this path.
std::string encode_plain_ack(const AckHeader& h, std::string_view code, int version, const AckOptions& options) {
  const Delimiters& d = h.delimiters;
  std::string t;
  t.reserve(96 + h.receiving_application.size() + h.receiving_facility.size() + h.sending_application.size() +
            h.sending_facility.size() + h.trigger_event.size() + 2 * h.control_id.size() + h.processing_id.size() +
            h.version.size() + h.charset.size() + options.application.size() + options.facility.size());
  t += "MSH";
  t += d.field;
  t += d.encoding_characters();
  t += d.field;
  if (h.receiving_application.empty()) {
    append_escaped(t, options.application, d);
  } else {
    t += h.receiving_application;
  }
  t += d.field;
  if (h.receiving_facility.empty()) {
    append_escaped(t, options.facility, d);
  } else {
    t += h.receiving_facility;
  }
  t += d.field;
  t += h.sending_application;
  t += d.field;
  t += h.sending_facility;
  t += d.field;
  append_escaped(t, options.timestamp.empty() ? std::string_view(now_timestamp()) : std::string_view(options.timestamp),
                 d);
  t += d.field;  // MSH-8 empty
  t += d.field;
  append_escaped(t, "ACK", d);
  const bool structure = version == 0 || version >= 24;
  if (!h.trigger_event.empty() || structure) t += d.component;
  append_escaped(t, h.trigger_event, d);
  if (structure) {
    t += d.component;
    append_escaped(t, "ACK", d);
  }
  t += d.field;
  if (options.control_id.empty()) {
    t += new_control_id();
  } else {
    append_escaped(t, options.control_id, d);
  }
  t += d.field;
  t += h.processing_id.empty() ? std::string_view("P") : std::string_view(h.processing_id);
  t += d.field;
  t += h.version.empty() ? std::string_view("2.5.1") : std::string_view(h.version);
  if (!h.charset.empty()) {
    t.append(6, d.field);  // MSH-13 to MSH-17 empty
    t += h.charset;
  }
  t += '\r';
  t += "MSA";
  t += d.field;
  append_escaped(t, code, d);
  t += d.field;
  t += h.control_id;
  t += '\r';
  return t;
}

bool wants(std::string_view condition, bool success) {
  if (condition == "AL") return true;
  if (condition == "NE") return false;
  if (condition == "ER") return !success;
  if (condition == "SU") return success;
  return true;  // an unknown code: answering is safer than leaving the sender waiting
}

std::string printable_ascii(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 0x20 && c < 0x7F) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string_view error_code_text(int code) {
  switch (code) {
    case 0:
      return "Message accepted";
    case 100:
      return "Segment sequence error";
    case 101:
      return "Required field missing";
    case 102:
      return "Data type error";
    case 103:
      return "Table value not found";
    case 104:
      return "Value too long";
    case 198:
      return "Non-Conformant Cardinality";
    case 199:
      return "Other HL7 Error";
    case 200:
      return "Unsupported message type";
    case 201:
      return "Unsupported event code";
    case 202:
      return "Unsupported processing id";
    case 203:
      return "Unsupported version id";
    case 204:
      return "Unknown key identifier";
    case 205:
      return "Duplicate key identifier";
    case 206:
      return "Application record locked";
    case 207:
      return "Application internal error";
    default:
      return "Other HL7 Error";
  }
}

ErrorDetail error_from(const ParseError& error) {
  ErrorDetail d;
  d.code = hl7_error_code(error.code);
  d.segment = error.segment;
  d.sequence = error.segment.empty() ? 0 : (error.occurrence != 0 ? error.occurrence : 1);
  d.field = error.field;
  d.severity = 'E';
  d.diagnostic = error.describe();
  d.user_message = error.message;
  return d;
}

AckHeader header_of(const Message& m) {
  AckHeader h;
  h.delimiters = m.delimiters();
  auto msh = m.segment(0);
  h.sending_application = msh.field(3).raw();
  h.sending_facility = msh.field(4).raw();
  h.receiving_application = msh.field(5).raw();
  h.receiving_facility = msh.field(6).raw();
  h.trigger_event = m.trigger_event();
  h.control_id = m.control_id();
  h.processing_id = msh.field(11).raw();
  h.version = msh.field(12).raw();
  h.accept_ack_type = m.accept_ack_type();
  h.application_ack_type = m.application_ack_type();
  h.charset = msh.field(18).raw();
  return h;
}

std::optional<AckHeader> salvage_header(std::string_view raw) {
  if (raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
  while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n' || raw.front() == 0x0B)) raw.remove_prefix(1);
  if (raw.substr(0, 3) != "MSH") return std::nullopt;
  std::string_view line = raw.substr(0, raw.find_first_of("\r\n"));
  auto d = read_delimiters(line);
  if (!d) return std::nullopt;
  AckHeader h;
  h.delimiters = *d;
  auto field = [&](std::size_t n) { return printable_ascii(nth_piece(line, d->field, n)); };  // piece n = MSH-(n+1)
  h.sending_application = field(3);
  h.sending_facility = field(4);
  h.receiving_application = field(5);
  h.receiving_facility = field(6);
  h.trigger_event = printable_ascii(nth_piece(nth_piece(line, d->field, 9), d->component, 2));
  h.control_id = field(10);
  h.processing_id = field(11);
  h.version = field(12);
  h.accept_ack_type = field(15);
  h.application_ack_type = field(16);
  h.charset = field(18);
  return h;
}

std::string new_control_id() {
  static const std::uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<std::uint32_t>(rd());
  }();
  static std::atomic<std::uint64_t> counter{0};
  // "MG" + the prefix in 8 hex digits + the counter in 10 decimal digits, written by hand:
  // snprintf was a visible share of every ACK.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string id(20, '0');
  id[0] = 'M';
  id[1] = 'G';
  for (int i = 0; i < 8; ++i) id[2 + i] = kHex[(prefix >> (28 - 4 * i)) & 0xF];
  std::uint64_t n = counter.fetch_add(1) % 10'000'000'000ULL;
  for (int i = 19; i >= 10; --i, n /= 10) id[i] = static_cast<char>('0' + n % 10);
  return id;
}

Ack build_ack(const AckHeader& h, AckOutcome outcome, const std::vector<ErrorDetail>& errors,
              const AckOptions& options) {
  Ack ack;
  const bool success = outcome == AckOutcome::kAccepted;
  bool enhanced = options.mode == AckMode::kEnhanced ||
                  (options.mode == AckMode::kAuto && (!h.accept_ack_type.empty() || !h.application_ack_type.empty()));
  bool commit_level = enhanced;
  if (enhanced) {
    // An accept acknowledgement when MSH-15 asks for one in this case (forced enhanced mode
    // without MSH-15 means AL); otherwise an application acknowledgement, right after the
    // commit, when MSH-16 asks for one; otherwise nothing.
    const std::string accept =
        h.accept_ack_type.empty() && options.mode == AckMode::kEnhanced ? std::string("AL") : h.accept_ack_type;
    if (!accept.empty() && wants(accept, success)) {
      ack.send = true;
    } else if (!h.application_ack_type.empty() && wants(h.application_ack_type, success)) {
      commit_level = false;
      ack.send = true;
    } else {
      ack.send = false;
      ack.reason = "MSH-15 (" + h.accept_ack_type + ") and MSH-16 (" + h.application_ack_type +
                   ") ask for no acknowledgement in this case";
    }
  }
  const char level = commit_level ? 'C' : 'A';
  char result = 'A';
  switch (outcome) {
    case AckOutcome::kAccepted:
      result = 'A';
      break;
    case AckOutcome::kContentError:
      result = 'E';
      break;
    case AckOutcome::kRejected:
      result = 'R';
      break;
    case AckOutcome::kTemporaryFailure:
      result = commit_level ? 'E' : 'R';
      break;
  }
  ack.code = {level, result};

  const int version = version_number(nth_piece(h.version, h.delimiters.component, 1));

  if (errors.empty()) {
    ack.text = encode_plain_ack(h, ack.code, version, options);
    return ack;
  }
  ack.text = encode_ack_with_writer(h, ack.code, version, errors, options);
  return ack;
}

std::string encode_ack_with_writer(const AckHeader& h, std::string_view code, int version,
                                   const std::vector<ErrorDetail>& errors, const AckOptions& options) {
  const bool modern_err = version == 0 || version >= 25;
  MessageWriter w(h.delimiters);
  SegmentWriter& msh = w.add("MSH");
  msh.set_raw(3, h.receiving_application.empty() ? escape(options.application, h.delimiters) : h.receiving_application);
  msh.set_raw(4, h.receiving_facility.empty() ? escape(options.facility, h.delimiters) : h.receiving_facility);
  msh.set_raw(5, h.sending_application);
  msh.set_raw(6, h.sending_facility);
  msh.set(7, options.timestamp.empty() ? now_timestamp() : options.timestamp);
  msh.set(9, 1, 1, 1, "ACK");
  if (!h.trigger_event.empty()) msh.set(9, 1, 2, 1, h.trigger_event);
  if (version == 0 || version >= 24) msh.set(9, 1, 3, 1, "ACK");
  msh.set(10, options.control_id.empty() ? new_control_id() : options.control_id);
  msh.set_raw(11, h.processing_id.empty() ? "P" : h.processing_id);
  msh.set_raw(12, h.version.empty() ? "2.5.1" : h.version);
  if (!h.charset.empty()) msh.set_raw(18, h.charset);

  SegmentWriter& msa = w.add("MSA");
  msa.set(1, code);
  msa.set_raw(2, h.control_id);
  if (!modern_err && !errors.empty()) {
    const ErrorDetail& first = errors.front();
    msa.set(3, first.user_message.empty() ? std::string(error_code_text(first.code)) : first.user_message);
  }

  for (const ErrorDetail& e : errors) {
    SegmentWriter& err = w.add("ERR");
    if (modern_err) {
      if (!e.segment.empty()) {
        err.set(2, 1, 1, 1, e.segment);
        if (e.sequence) err.set(2, 1, 2, 1, std::to_string(e.sequence));
        if (e.field) err.set(2, 1, 3, 1, std::to_string(e.field));
        if (e.repetition) err.set(2, 1, 4, 1, std::to_string(e.repetition));
        if (e.component) err.set(2, 1, 5, 1, std::to_string(e.component));
        if (e.subcomponent) err.set(2, 1, 6, 1, std::to_string(e.subcomponent));
      }
      err.set(3, 1, 1, 1, std::to_string(e.code));
      err.set(3, 1, 2, 1, error_code_text(e.code));
      err.set(3, 1, 3, 1, "HL70357");
      err.set(4, std::string(1, e.severity));
      if (!e.diagnostic.empty()) err.set(7, e.diagnostic);
      if (!e.user_message.empty()) err.set(8, e.user_message);
    } else {
      // ERR-1 ELD: segment^sequence^field^code&text&system.
      err.set(1, 1, 1, 1, e.segment);
      if (e.sequence) err.set(1, 1, 2, 1, std::to_string(e.sequence));
      if (e.field) err.set(1, 1, 3, 1, std::to_string(e.field));
      err.set(1, 1, 4, 1, std::to_string(e.code));
      err.set(1, 1, 4, 2, error_code_text(e.code));
      err.set(1, 1, 4, 3, "HL70357");
    }
  }
  return w.encode();
}

}  // namespace medgw::hl7v2

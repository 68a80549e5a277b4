// Any bytes through the batch reader, the parser (strict and replacing, UTF-8 and GBK defaults),
// every accessor, the encoder and the ACK builder: nothing may crash, hang or read out of bounds,
// and a parsed message must encode back to its own text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mappings/hl7v2/ack_builder.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/encoder.hpp"
#include "mappings/hl7v2/message.hpp"

using namespace medgw::hl7v2;

namespace {

void exercise(const Message& m) {
  for (std::size_t i = 0; i < m.segment_count(); ++i) {
    Segment s = m.segment(i);
    for (std::size_t f = 1; f <= s.field_count() + 1; ++f) {
      Field field = s.field(f);
      for (std::size_t r = 1; r <= field.repetition_count(); ++r) {
        Repetition rep = field.repetition(r);
        for (std::size_t c = 1; c <= rep.component_count(); ++c) {
          Component comp = rep.component(c);
          (void)comp.value();
          for (std::size_t sc = 1; sc <= comp.subcomponent_count(); ++sc) (void)comp.subvalue(sc);
        }
      }
    }
  }
  MessageWriter w;
  MessageWriter::copy_from(m, w);
  std::string expected;
  for (std::size_t i = 0; i < m.segment_count(); ++i) {
    expected.append(m.segment(i).raw());
    expected.push_back('\r');
  }
  if (w.encode() != expected) std::abort();  // encode(parse(x)) == x, segment by segment
  AckOptions o;
  o.control_id = "X";
  o.timestamp = "20240101";
  (void)build_ack(header_of(m), AckOutcome::kAccepted, {}, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseOptions strict;
  strict.limits.max_message_bytes = 1 << 16;
  ParseOptions lenient = strict;
  lenient.invalid_bytes = InvalidBytes::kReplace;
  lenient.default_charset = find_charset("GBK");

  if (auto m = Message::parse(input, strict)) {
    exercise(*m);
  } else {
    auto header = salvage_header(input).value_or(AckHeader{});
    (void)build_ack(header, AckOutcome::kRejected, {error_from(m.error())});
  }
  if (auto m = Message::parse(input, lenient)) exercise(*m);
  if (auto file = read_batch(input)) {
    for (const auto& span : file->all_messages()) {
      if (auto m = Message::parse(span.text, strict)) exercise(*m);
    }
  }
  return 0;
}

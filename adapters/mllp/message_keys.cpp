#include "adapters/mllp/message_keys.hpp"

#include "mappings/hl7v2/message.hpp"

namespace medgw::mllp {

namespace {

// Appends "MSH-3^MSH-4" as sent.
void append_sender(std::string& out, const hl7v2::Message& m) {
  const hl7v2::Segment msh = m.segment(0);
  out += msh.field(3).raw();
  out += '^';
  out += msh.field(4).raw();
}

}  // namespace

std::string sender_of(const hl7v2::Message& m) {
  std::string s;
  append_sender(s, m);
  return s;
}

// Both keys are built in one buffer each: they are made for every message a listener receives.
std::string dedupe_key(const std::string& source, const hl7v2::Message& m) {
  const std::string_view control_id = m.control_id();
  if (control_id.empty()) return {};
  std::string key;
  key.reserve(source.size() + control_id.size() + 32);
  key += source;
  key += '|';
  append_sender(key, m);
  key += '|';
  key += control_id;
  return key;
}

std::string ordering_key(const std::string& source, const hl7v2::Message& m) {
  std::string key;
  key.reserve(source.size() + 48);
  key += source;
  key += '|';
  append_sender(key, m);
  key += '|';
  if (auto pid = m.find("PID")) {
    hl7v2::Repetition id = pid->field(3).repetition(1);
    key += id.component(1).raw();
    key += '^';
    key += id.component(4).raw();
  }
  return key;
}

}  // namespace medgw::mllp

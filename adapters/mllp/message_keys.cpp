#include "adapters/mllp/message_keys.hpp"

#include "mappings/hl7v2/message.hpp"

namespace medgw::mllp {

std::string sender_of(const hl7v2::Message& m) {
  std::string s(m.segment(0).field(3).raw());
  s += '^';
  s += m.segment(0).field(4).raw();
  return s;
}

std::string dedupe_key(const std::string& source, const hl7v2::Message& m) {
  if (m.control_id().empty()) return {};
  return source + "|" + sender_of(m) + "|" + std::string(m.control_id());
}

std::string ordering_key(const std::string& source, const hl7v2::Message& m) {
  std::string key = source + "|" + sender_of(m) + "|";
  if (auto pid = m.find("PID")) {
    hl7v2::Repetition id = pid->field(3).repetition(1);
    key += id.component(1).raw();
    key += '^';
    key += id.component(4).raw();
  }
  return key;
}

}  // namespace medgw::mllp

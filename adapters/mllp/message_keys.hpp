#pragma once
// The keys an inbound HL7 v2 message is stored under: the dedupe key (the sender and MSH-10: a
// re-sent message carries the same control id) and the ordering key (the sender and the
// patient's first identifier, so one patient's messages are processed in order while other
// patients' flow).
#include <string>

namespace medgw::hl7v2 {
class Message;
}

namespace medgw::mllp {

// "MSH-3^MSH-4" as sent, the sender's identity.
std::string sender_of(const hl7v2::Message& message);
// sender + "|" + MSH-10; empty when MSH-10 is empty (such messages cannot be deduplicated).
std::string dedupe_key(const std::string& source, const hl7v2::Message& message);
// sender + "|" + PID-3[1].1 + "^" + its assigning authority; the sender alone when there is no
// PID (e.g. a master-file message), which keeps such messages in feed order.
std::string ordering_key(const std::string& source, const hl7v2::Message& message);

}  // namespace medgw::mllp

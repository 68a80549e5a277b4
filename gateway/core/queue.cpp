#include "gateway/core/queue.hpp"

namespace medgw {

const char* to_string(EnvelopeStatus status) {
  switch (status) {
    case EnvelopeStatus::kReady: return "ready";
    case EnvelopeStatus::kLeased: return "leased";
    case EnvelopeStatus::kDelivered: return "delivered";
    case EnvelopeStatus::kParked: return "parked";
    case EnvelopeStatus::kRejected: return "rejected";
  }
  return "unknown";
}

}  // namespace medgw

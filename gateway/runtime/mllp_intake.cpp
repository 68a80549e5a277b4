#include "gateway/runtime/mllp_intake.hpp"

#include "mappings/v2/map_message.hpp"

namespace medgw::runtime {

mllp::Intake mllp_intake(const pipeline::MessageMapper& mapper, std::string listener_name) {
  mllp::Intake intake;
  intake.default_charset = [&mapper, name = std::move(listener_name)](std::string_view raw) {
    return mapper.default_charset_of_raw(name, raw);
  };
  intake.message_type = [](std::string_view code, std::string_view event) {
    switch (v2::coverage(code, event)) {
      case v2::Coverage::kMapped: return mllp::Intake::Type::kMapped;
      case v2::Coverage::kUnknownEvent: return mllp::Intake::Type::kUnknownEvent;
      case v2::Coverage::kUnknownType: break;
    }
    return mllp::Intake::Type::kUnknownType;
  };
  return intake;
}

}  // namespace medgw::runtime

#pragma once
// What an MLLP listener takes (mllp::Intake), from the mapper the pipeline delivers with and the
// v2 mappings: a session then refuses at once what the pipeline could only park, and decodes a
// message without MSH-18 in the charset the site file gives its sender, as the pipeline will.
#include <string>

#include "adapters/mllp/listener.hpp"
#include "gateway/pipeline/message_mapper.hpp"

namespace medgw::runtime {

// `mapper` must outlive the listener.
mllp::Intake mllp_intake(const pipeline::MessageMapper& mapper, std::string listener_name);

}  // namespace medgw::runtime

#pragma once
// Why a message could not be mapped. A permanent failure: the pipeline parks the message with this
// reason (DESIGN.md, "The path of one message", step 5), shows it in the admin API and may answer
// with it in an ERR segment, so the reason names the segment and field ("OBX[3]-2: unknown value
// type 'XX'") and never carries patient data: no names, identifiers or result values.
#include <string>

namespace medgw::v2 {

struct MappingError {
  enum Kind {
    kUnsupported,  // a message type or event medgw has no mapping for
    kInvalid,      // a supported type whose content cannot mean anything safe (required part missing)
  };
  Kind kind = kInvalid;
  std::string reason;
};

}  // namespace medgw::v2

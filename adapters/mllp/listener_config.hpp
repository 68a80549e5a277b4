#pragma once
// What one MLLP listener is configured with (the `listeners:` entries of the gateway config).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/tls_config.hpp"
#include "mappings/hl7v2/charset.hpp"

namespace medgw::mllp {

using TlsConfig = medgw::TlsConfig;

struct ListenerConfig {
  std::string name = "mllp";
  std::string bind = "0.0.0.0";
  std::uint16_t port = 2575;
  std::size_t max_frame_bytes = 8u << 20;      // lab PDFs in OBX-5 make frames of megabytes
  std::size_t max_connections = 1024;
  std::chrono::milliseconds frame_timeout{30'000};   // a started frame must end within this
  std::chrono::milliseconds idle_timeout{600'000};   // silence allowed between frames
  std::chrono::milliseconds write_timeout{30'000};
  int mllp_release = 1;                        // 2: answer with commit acknowledgements (0x06/0x15)
  std::optional<hl7v2::Charset> default_charset;  // for messages without MSH-18 (GBK, ...)
  // A message type or event medgw does not map (Intake::message_type): true answers AR (CR in
  // enhanced mode) with ERR-3 200/201 and stores it as rejected, so the sender learns at once;
  // false acknowledges it and lets the pipeline park it as unsupported (config: `unmapped_types:
  // reject | park`), for a site that wants every message kept for a replay once medgw maps it.
  bool reject_unmapped_types = true;
  std::string ack_application = "MEDGW";       // MSH-3 of ACKs when the sender left MSH-5 empty
  std::string ack_facility;
  bool log_content = false;                    // debug only: puts message text in logs (PHI!)
  std::optional<TlsConfig> tls;
};

}  // namespace medgw::mllp

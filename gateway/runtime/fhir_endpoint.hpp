#pragma once
// The FHIR API as the gateway runs it: the archive reader, the authenticator, the ingest path
// and the HTTP server, opened together from the `fhir:` section of the config.
#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/expected.hpp"

namespace boost::asio {
class io_context;
}

namespace medgw {
class Queue;
}
namespace medgw::pipeline {
class ApplyNotifier;
}

namespace medgw::runtime {

class FhirEndpoint {
 public:
  // Opens the reader on the CRM store (which must exist: the store is opened first), loads the
  // JWT keys, binds the port. `notifier` null: no pipeline, the API is read-only.
  static Expected<std::unique_ptr<FhirEndpoint>, std::string> start(boost::asio::io_context& io,
                                                                    const config::GatewayConfig& config, Queue& queue,
                                                                    pipeline::ApplyNotifier* notifier);
  ~FhirEndpoint();
  // Stops accepting; requests in flight are answered.
  void stop();
  std::uint16_t port() const;

  struct Parts;

 private:
  explicit FhirEndpoint(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace medgw::runtime

#pragma once
// The FHIR destination (issue 5): committed change sets delivered to an external FHIR server as
// transaction Bundles (mappings/fhir/change_set_bundle.hpp: conditional updates, so a redelivery
// updates what the first delivery created), for CRMs that take FHIR instead of reading the CRM
// store. A pipeline::Destination: the pipeline acks an envelope only once this took it.
//
// One Bundle per change set, POSTed to the base URL, up to `connections` at a time (one
// keep-alive connection each) on this destination's own io_context, which deliver() runs on the
// pipeline's writer thread: nothing here touches the gateway's event loop.
//
// Answers: 200/201 with a transaction-response Bundle whose every entry is 2xx -> delivered.
// 408, 429, 5xx, a connection or TLS failure, a deadline -> retry (the queue backs off). Another
// 4xx, or a 2xx whose Bundle reports a failed entry -> refused: parked with the status and the
// OperationOutcome's issue codes (never its text, which may quote patient data). A change set
// with nothing a FHIR server takes (a merge alone) is delivered at once, with a log line.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/expected.hpp"
#include "gateway/pipeline/destination.hpp"

namespace medgw::fhir {

struct FhirDestinationConfig {
  std::string base_url;      // "https://crm.hospital.example/fhir"
  std::string bearer_token;  // empty: no Authorization header; never logged
  std::string ca_file;       // https: CAs to verify the server (empty: the system's store)
  std::string certificate;   // mutual TLS
  std::string private_key;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  unsigned connections = 4;
  std::string key_system = "urn:medgw:business-key";
};

class FhirDestination final : public pipeline::Destination {
 public:
  // Errors (a bad URL, an unreadable TLS file) name what to fix.
  static Expected<std::unique_ptr<FhirDestination>, std::string> create(FhirDestinationConfig config);
  ~FhirDestination() override;

  std::string_view name() const override { return "fhir destination"; }
  std::vector<pipeline::DeliveryResult> deliver(const std::vector<const model::ChangeSet*>& changes) override;

  struct Impl;

 private:
  explicit FhirDestination(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How an answer of the receiving server classifies (exposed for tests).
pipeline::DeliveryResult classify_answer(unsigned status, const std::string& body);

}  // namespace medgw::fhir

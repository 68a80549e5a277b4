#pragma once
// One upstream FHIR server polled as a source (`fhir_sources:` in the config; fhir_poller.hpp).
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace medgw::fhir {

struct FhirSourceConfig {
  std::string name;      // the source in the queue and logs, and the client of its records ("FHIR^<name>")
  std::string base_url;  // "https://lis.example.org/fhir"
  // Polled in this order, one after the other, every interval. Patient first: a patient's record
  // is then queued before the results about them (the poller also fetches a Patient it has not
  // queued yet before a resource naming it).
  std::vector<std::string> resource_types;
  unsigned page_size = 100;  // _count
  std::chrono::milliseconds interval{30'000};
  std::string bearer_token;     // read from token_file or token_env at start; never logged
  std::string tls_ca;           // https: CAs that sign the server's certificate; empty: the system's
  std::string tls_certificate;  // mutual TLS: the client certificate chain and its key
  std::string tls_private_key;
  std::chrono::milliseconds backoff_base{1'000};  // after a failure: full jitter up to base * 2^(n-1)
  std::chrono::milliseconds backoff_max{300'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::size_t max_body_bytes = 64u << 20;   // one page
  std::size_t max_pages_per_poll = 10'000;  // a server whose `next` never ends cannot hold the poller
};

}  // namespace medgw::fhir

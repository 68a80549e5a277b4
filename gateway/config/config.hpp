#pragma once
// The gateway's configuration: one YAML file per site (deploy/medgw.yaml is the embedded
// default). Validated at start: unknown keys, wrong types, out-of-range values, missing files
// and port conflicts are errors that name the key (`listeners[1].tls.certificate: ...`).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/crmstore/survivorship.hpp"
#include "adapters/dbpoll/db_source_config.hpp"
#include "adapters/fhir/access.hpp"
#include "adapters/fhir/fhir_api.hpp"
#include "adapters/fhir/fhir_destination.hpp"
#include "adapters/fhir/fhir_source_config.hpp"
#include "adapters/fhir/http_server_config.hpp"
#include "adapters/mllp/listener_config.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::config {

struct QueueConfig {
  std::string path = "./var/queue";
  std::size_t max_batch = 4096;                 // appends per fsync'd write
  std::chrono::microseconds max_batch_wait{0};  // extra wait to gather a batch
  std::uint64_t high_watermark = 500'000;       // undelivered envelopes: stop reading above
  std::uint64_t low_watermark = 250'000;        // resume below
  std::chrono::hours dedupe_window{72};
  std::chrono::hours retention{24 * 7};
  std::uint32_t max_attempts = 10;
  std::chrono::milliseconds backoff_base{1'000};
  std::chrono::milliseconds backoff_max{300'000};
  bool park_blocks_key = true;  // park_policy: block_key | skip
};

// The CRM store the pipeline delivers to (SQLite, the embedded default).
struct CrmStoreConfig {
  std::string path = "./var/crm.sqlite";
  crmstore::SurvivorshipRules survivorship;  // how golden patients are composed
};

struct PipelineConfig {
  bool enabled = true;          // false: ingest only (the queue fills; nothing is delivered)
  unsigned workers = 2;         // mapping threads
  std::size_t batch_max = 256;  // change sets per CRM transaction
};

// The FHIR API (adapters/fhir): off unless configured. Writes need the pipeline (they are answered
// once in the archive); without it the API is read-only.
struct FhirConfig {
  bool enabled = false;
  fhir::HttpServerConfig server;
  fhir::FhirApiConfig api;
  fhir::AccessConfig access;
  std::chrono::milliseconds apply_wait{30'000};  // how long a write waits for the archive (then 202)
};

struct GatewayConfig {
  std::string log_level = "info";
  std::chrono::seconds stats_interval{60};
  unsigned io_threads = 1;
  QueueConfig queue;
  std::vector<mllp::ListenerConfig> listeners;
  std::string site;  // the site profile (mappings/sites); empty: the v2-to-FHIR IG's defaults
  CrmStoreConfig crm_store;
  PipelineConfig pipeline;
  FhirConfig fhir;
  std::vector<dbpoll::DbSourceConfig> db_sources;    // databases polled over ODBC (adapters/dbpoll)
  std::vector<fhir::FhirSourceConfig> fhir_sources;  // upstream FHIR servers polled (fhir_poller.hpp)
  // Where committed change sets also go (fhir_destination.hpp); unset: the CRM store only.
  std::optional<fhir::FhirDestinationConfig> fhir_destination;
};

// Reads and validates a config file. Relative paths in it are taken relative to the working
// directory, as a service manager sets it.
Expected<GatewayConfig, std::string> load_config(const std::string& path);
Expected<GatewayConfig, std::string> parse_config(const std::string& yaml_text);

}  // namespace medgw::config

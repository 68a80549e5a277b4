#pragma once
// The FHIR R4 REST API over the archive (reads) and the durable queue (writes). Transport-free:
// HttpRequest in, HttpResponse out, so tests can drive it without a socket and the HTTP server
// stays generic.
//
// Interactions (under `base_path`, default /fhir):
//   GET  metadata                       CapabilityStatement (no token needed)
//   GET  <Type>/<id>                    read          GET <Type>/<id>/_history/<v>   vread
//   GET  <Type>/<id>/_history           history       GET <Type>?...                 search
//   POST <Type>/_search                 search with a form body
//   GET  Patient/<id>/$everything       the patient's archive
//   POST Patient/$match                 the patient index's matches for a Patient (fhir_match.cpp)
//   POST <Type>                         create (If-None-Exist: conditional create)
//   PUT  <Type>/<id>                    update (If-Match: only that version)
//   POST /  Bundle transaction | batch
// Types: Patient, Encounter, Observation, DiagnosticReport, ServiceRequest, DocumentReference,
// ImagingStudy. Every error is an OperationOutcome. Every read of patient data is audited.
// Bodies and answers in FHIR JSON or XML (fhir_format.hpp): answers are built as JSON and
// converted at the end of handle(), XML bodies converted for the server's checks while the
// envelope keeps them as received.
#include <chrono>
#include <memory>
#include <string>

#include "adapters/fhir/http_message.hpp"

namespace medgw::crmstore {
class ArchiveReader;
}

namespace medgw::fhir {

class Authenticator;
class FhirIngest;

struct FhirApiConfig {
  std::string base_path = "/fhir";
  // The URL clients reach the API at ("https://medgw.hospital.cn/fhir"), for fullUrl, Location and
  // paging links; empty: built from the request's Host header and the scheme it arrived on.
  std::string public_base_url;
  std::size_t max_batch_entries = 1000;
};

class FhirApi {
 public:
  // `ingest` null: the API is read-only (writes answer 405).
  FhirApi(FhirApiConfig config, const Authenticator& auth, crmstore::ArchiveReader& reader, FhirIngest* ingest);
  ~FhirApi();
  FhirApi(const FhirApi&) = delete;
  FhirApi& operator=(const FhirApi&) = delete;

  // Thread-safe: the HTTP server calls it from several handler threads.
  HttpResponse handle(const HttpRequest& request);

  // The answer to a request the HTTP layer refused before it was parsed (too large, malformed).
  static HttpResponse protocol_error(unsigned status, const std::string& message);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace medgw::fhir

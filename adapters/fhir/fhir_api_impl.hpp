#pragma once
// FhirApi's internals, shared by its files: routing and access (fhir_api.cpp), reads
// (fhir_read.cpp), Patient/$match (fhir_match.cpp), writes (fhir_write.cpp).
#include <array>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/crmstore/archive_reader.hpp"
#include "adapters/fhir/access.hpp"
#include "adapters/fhir/authenticator.hpp"
#include "adapters/fhir/fhir_api.hpp"
#include "adapters/fhir/fhir_response.hpp"
#include "adapters/fhir/ingest.hpp"

namespace medgw::fhir {

// The resource types the API takes and serves.
bool is_supported_type(std::string_view type);

// A write's body: as received (what the envelope stores) and in its JSON form (what the server's
// own checks read); the same text for a JSON body.
struct RequestBody {
  std::string_view raw;
  std::string content_type;  // "application/fhir+json" or "application/fhir+xml"
  std::string json;
};

// What a request is after routing.
struct Route {
  std::string type;       // "" for the system level (transaction/batch, metadata)
  std::string id;
  std::string version;    // _history/<v>
  bool history = false;   // _history without a version
  std::string operation;  // "$everything", "$match", "_search", "metadata"
};

struct FhirApi::Impl {
  FhirApiConfig config;
  const Authenticator& auth;
  crmstore::ArchiveReader& reader;
  FhirIngest* ingest;
  // Conditional creates of the same criteria run one at a time: search, then create, then wait
  // for the archive, under one lock, so concurrent clients cannot both find nothing and both
  // create. Striped by the criteria's hash: different criteria rarely wait for each other.
  std::array<std::mutex, 64> conditional_locks;

  Impl(FhirApiConfig c, const Authenticator& a, crmstore::ArchiveReader& r, FhirIngest* i)
      : config(std::move(c)), auth(a), reader(r), ingest(i) {}

  HttpResponse dispatch(const HttpRequest& req, const std::string& base_url);
  std::string base_url(const HttpRequest& req) const;

  // fhir_read.cpp
  HttpResponse read(const HttpRequest& req, const Principal& who, const Route& route, const std::string& base);
  HttpResponse search(const HttpRequest& req, const Principal& who, const std::string& type,
                      const std::vector<std::pair<std::string, std::string>>& query, const std::string& base);
  HttpResponse everything(const HttpRequest& req, const Principal& who, const Route& route, const std::string& base);
  // fhir_match.cpp
  HttpResponse match(const HttpRequest& req, const Principal& who, const std::string& base, const RequestBody& body);

  void audit(const Principal& who, const char* action, const std::string& type, std::vector<std::int64_t> goldens,
             const HttpRequest& req, unsigned status);

  // fhir_write.cpp
  HttpResponse create(const HttpRequest& req, const Principal& who, const std::string& type, const std::string& base,
                      const RequestBody& body);
  HttpResponse update(const HttpRequest& req, const Principal& who, const Route& route, const std::string& base,
                      const RequestBody& body);
  HttpResponse system_bundle(const Principal& who, const std::string& base, const RequestBody& body);
};

// An error from the archive reader as an HTTP answer (400 for the client's mistakes, 503 when the
// store is busy, 500 otherwise).
HttpResponse archive_error_response(const crmstore::ArchiveError& e);

}  // namespace medgw::fhir

#include "gateway/runtime/fhir_endpoint.hpp"

#include <algorithm>

#include "adapters/crmstore/archive_reader.hpp"
#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "adapters/fhir/authenticator.hpp"
#include "adapters/fhir/fhir_api.hpp"
#include "adapters/fhir/http_server.hpp"
#include "adapters/fhir/ingest.hpp"
#include "adapters/fhir/mpi_admin_api.hpp"
#include "gateway/runtime/open_delivery.hpp"

namespace medgw::runtime {

// Destroyed in reverse order: the server (joining its handler threads) before what they use.
struct FhirEndpoint::Parts {
  std::unique_ptr<crmstore::ArchiveReader> reader;
  std::unique_ptr<crmstore::SqliteCrmStore> admin_store;  // the admin API's own connection
  std::unique_ptr<fhir::Authenticator> auth;
  std::unique_ptr<fhir::FhirIngest> ingest;
  std::unique_ptr<fhir::FhirApi> api;
  std::unique_ptr<fhir::MpiAdminApi> admin;
  std::unique_ptr<fhir::HttpServer> server;
};

FhirEndpoint::FhirEndpoint(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
FhirEndpoint::~FhirEndpoint() {
  if (parts_) parts_->server.reset();
}

Expected<std::unique_ptr<FhirEndpoint>, std::string> FhirEndpoint::start(boost::asio::io_context& io,
                                                                         const config::GatewayConfig& cfg, Queue& queue,
                                                                         pipeline::ApplyNotifier* notifier) {
  auto parts = std::make_unique<Parts>();
  // The store creates and migrates the file; the reader only reads what is there.
  {
    auto store = open_crm_store(cfg.crm_store);
    if (!store) return unexpected("fhir: " + store.error());
  }
  // One connection per handler thread: every request the server works on reads in parallel.
  crmstore::ArchiveReaderOptions reader_options;
  reader_options.survivorship = cfg.crm_store.survivorship;
  reader_options.connections = std::max(1U, cfg.fhir.server.handler_threads);
  auto reader = crmstore::ArchiveReader::open(cfg.crm_store.path, reader_options);
  if (!reader) return unexpected("fhir: " + reader.error());
  parts->reader = std::move(*reader);
  auto auth = fhir::Authenticator::create(cfg.fhir.access);
  if (!auth) return unexpected("fhir.jwt: " + auth.error());
  parts->auth = std::move(*auth);
  if (notifier != nullptr) {
    parts->ingest = std::make_unique<fhir::FhirIngest>(queue, notifier, cfg.fhir.server.name, cfg.fhir.apply_wait);
  }
  parts->api = std::make_unique<fhir::FhirApi>(cfg.fhir.api, *parts->auth, *parts->reader, parts->ingest.get());
  fhir::FhirApi* api = parts->api.get();
  // The patient index's admin API (mpi_admin_api.hpp) shares the port and the authentication; its
  // own store connection writes operations while the pipeline writes change sets (WAL, busy wait).
  {
    auto store = crmstore::SqliteCrmStore::open(cfg.crm_store.path, cfg.crm_store.survivorship);
    if (!store) return unexpected("fhir: " + store.error());
    parts->admin_store = std::move(*store);
  }
  parts->admin = std::make_unique<fhir::MpiAdminApi>(*parts->auth, *parts->admin_store);
  fhir::MpiAdminApi* admin = parts->admin.get();
  parts->server = std::make_unique<fhir::HttpServer>(
      io, cfg.fhir.server,
      [api, admin](const fhir::HttpRequest& req) {
        return fhir::MpiAdminApi::handles(req.path) ? admin->handle(req) : api->handle(req);
      },
      &fhir::FhirApi::protocol_error);
  std::string why;
  if (parts->server->start(why)) return unexpected(why);
  return std::unique_ptr<FhirEndpoint>(new FhirEndpoint(std::move(parts)));
}

void FhirEndpoint::stop() { parts_->server->stop(); }
std::uint16_t FhirEndpoint::port() const { return parts_->server->port(); }

}  // namespace medgw::runtime

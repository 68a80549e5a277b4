#include "adapters/fhir/fhir_api.hpp"

#include "adapters/fhir/capability_statement.hpp"
#include "adapters/fhir/fhir_api_impl.hpp"
#include "gateway/core/log.hpp"

namespace medgw::fhir {
namespace {

constexpr std::array<std::string_view, 7> kTypes{"Patient",         "Encounter",         "Observation",
                                                  "DiagnosticReport", "ServiceRequest",   "DocumentReference",
                                                  "ImagingStudy"};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Whether the client asked for XML, which this version does not write yet: _format or an Accept
// header that names XML and no JSON.
bool wants_xml_only(const HttpRequest& req) {
  for (const auto& [name, value] : req.query) {
    if (name == "_format") return value.find("xml") != std::string::npos;
  }
  const std::string* accept = req.header("accept");
  if (accept == nullptr) return false;
  return accept->find("xml") != std::string::npos && accept->find("json") == std::string::npos &&
         accept->find("*/*") == std::string::npos;
}

}  // namespace

bool is_supported_type(std::string_view type) {
  for (auto t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

HttpResponse archive_error_response(const crmstore::ArchiveError& e) {
  if (e.kind == crmstore::ArchiveErrorKind::kInvalidRequest) {
    return outcome_response(400, issue_code::kInvalid, e.message, e.parameter);
  }
  log::error("fhir.store_failed", {{"error", e.message}, {"retryable", e.retryable}});
  HttpResponse res = outcome_response(e.retryable ? 503 : 500, "exception",
                                      e.retryable ? "the archive is busy; retry" : "the archive failed to answer");
  if (e.retryable) res.set_header("Retry-After", "1");
  return res;
}

FhirApi::FhirApi(FhirApiConfig config, const Authenticator& auth, crmstore::ArchiveReader& reader, FhirIngest* ingest)
    : impl_(std::make_unique<Impl>(std::move(config), auth, reader, ingest)) {}
FhirApi::~FhirApi() = default;

HttpResponse FhirApi::protocol_error(unsigned status, const std::string& message) {
  return outcome_response(status, status == 413 || status == 431 ? issue_code::kTooCostly : issue_code::kStructure,
                          message);
}

std::string FhirApi::Impl::base_url(const HttpRequest& req) const {
  if (!config.public_base_url.empty()) return config.public_base_url;
  const std::string* host = req.header("host");
  return std::string(req.secure ? "https://" : "http://") + (host ? *host : "localhost") + config.base_path;
}

HttpResponse FhirApi::handle(const HttpRequest& req) {
  const std::string base = impl_->base_url(req);
  HttpResponse res;
  try {
    res = impl_->dispatch(req, base);
  } catch (const std::exception& e) {
    log::error("fhir.request_failed", {{"error", e.what()}});
    res = outcome_response(500, "exception", "internal error");
  }
  // Never cached by a proxy: every answer may hold patient data.
  res.set_header("Cache-Control", "no-store");
  return res;
}

HttpResponse FhirApi::Impl::dispatch(const HttpRequest& req, const std::string& base) {
  std::string_view path = req.path;
  if (path.substr(0, config.base_path.size()) != config.base_path ||
      (path.size() > config.base_path.size() && path[config.base_path.size()] != '/')) {
    return outcome_response(404, "not-found", "no FHIR endpoint here: the API is under " + config.base_path);
  }
  path.remove_prefix(config.base_path.size());
  const auto parts = split_path(path);
  if (wants_xml_only(req)) {
    return outcome_response(406, issue_code::kNotSupported, "this server answers in JSON only (application/fhir+json)");
  }
  if (parts.size() == 1 && parts[0] == "metadata") {
    if (req.method != "GET") return outcome_response(405, issue_code::kNotSupported, "metadata is read with GET");
    return json_response(200, capability_statement_json(base, ingest != nullptr));
  }

  auto who = auth.authenticate(req.header("authorization"), std::chrono::system_clock::now());
  if (!who) {
    HttpResponse res = outcome_response(401, "login", who.error());
    res.set_header("WWW-Authenticate", "Bearer realm=\"medgw\"");
    return res;
  }
  if (parts.empty()) {
    if (req.method != "POST") return outcome_response(405, issue_code::kNotSupported, "POST a transaction or batch Bundle here");
    return system_bundle(req, *who, base);
  }

  Route route;
  route.type = std::string(parts[0]);
  if (!is_supported_type(route.type)) {
    return outcome_response(404, issue_code::kNotSupported, "resource type not supported by this server", route.type);
  }
  const bool writing = req.method == "POST" || req.method == "PUT";
  const bool search_post = parts.size() == 2 && parts[1] == "_search" && req.method == "POST";
  if (!scope_allows(who->scopes, route.type, writing && !search_post ? Access::kWrite : Access::kRead)) {
    return outcome_response(403, "forbidden",
                            std::string("the token's scopes do not allow ") + (writing && !search_post ? "writing " : "reading ") +
                                route.type);
  }

  if (parts.size() == 1) {
    if (req.method == "GET") return search(req, *who, route.type, req.query, base);
    if (req.method == "POST") return create(req, *who, route.type, base);
    return outcome_response(405, issue_code::kNotSupported, "use GET to search or POST to create");
  }
  if (search_post) {
    const std::string* ct = req.header("content-type");
    if (ct == nullptr || ct->find("application/x-www-form-urlencoded") == std::string::npos) {
      return outcome_response(415, issue_code::kNotSupported, "POST _search takes application/x-www-form-urlencoded");
    }
    std::string ignored;
    std::vector<std::pair<std::string, std::string>> form;
    if (!parse_target("?" + req.body, ignored, form)) {
      return outcome_response(400, issue_code::kStructure, "the form body has a malformed percent-escape");
    }
    for (const auto& q : req.query) form.push_back(q);
    return search(req, *who, route.type, form, base);
  }
  route.id = std::string(parts[1]);
  if (parts.size() == 2) {
    if (req.method == "GET") return read(req, *who, route, base);
    if (req.method == "PUT") return update(req, *who, route, base);
    if (req.method == "DELETE") {
      return outcome_response(405, issue_code::kNotSupported,
                              "medgw keeps every record: deletes are not supported (send entered-in-error)");
    }
    return outcome_response(405, issue_code::kNotSupported, "use GET to read or PUT to update");
  }
  if (req.method != "GET") return outcome_response(405, issue_code::kNotSupported, "only GET is allowed here");
  if (parts.size() == 3 && parts[2] == "$everything" && route.type == "Patient") {
    route.operation = "$everything";
    return everything(req, *who, route, base);
  }
  if (parts[2] == "_history") {
    if (parts.size() == 3) {
      route.history = true;
      return read(req, *who, route, base);
    }
    if (parts.size() == 4) {
      route.version = std::string(parts[3]);
      return read(req, *who, route, base);
    }
  }
  return outcome_response(404, "not-found", "unknown path");
}

}  // namespace medgw::fhir

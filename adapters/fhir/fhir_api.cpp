#include "adapters/fhir/fhir_api.hpp"

#include "adapters/fhir/capability_statement.hpp"
#include "adapters/fhir/fhir_api_impl.hpp"
#include "adapters/fhir/fhir_format.hpp"
#include "gateway/core/log.hpp"
#include "mappings/fhir/json_to_xml.hpp"
#include "mappings/fhir/xml_to_json.hpp"

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

// A write's body in its JSON form, or the answer refusing it: 415 for a type that is neither
// format, 400/422 for XML that is not FHIR XML medgw reads (422 when it names a type without a
// table, as the JSON path answers for those).
std::optional<HttpResponse> read_body(const HttpRequest& req, RequestBody& body) {
  const std::optional<FhirFormat> format = body_format(req);
  if (!format) {
    return outcome_response(415, issue_code::kNotSupported,
                            "this server takes application/fhir+json and application/fhir+xml bodies");
  }
  body.raw = req.body;
  if (*format == FhirFormat::kJson) {
    body.content_type = "application/fhir+json";
    body.json = req.body;
    return std::nullopt;
  }
  body.content_type = "application/fhir+xml";
  auto json = fhir_xml_to_json(req.body);
  if (!json) {
    return outcome_response(json.error().code == issue_code::kNotSupported ? 422 : 400, {json.error()});
  }
  body.json = std::move(*json);
  return std::nullopt;
}

// The answer in the format the client asked for. Answers are built as FHIR JSON; XML is made
// from that at the end, so every answer (errors included) exists in both with the same content.
HttpResponse in_format(HttpResponse res, FhirFormat format) {
  if (format != FhirFormat::kXml || res.body.empty()) return res;
  bool json = false;
  for (const auto& [name, value] : res.headers) {
    if (name == "Content-Type") json = value.starts_with("application/fhir+json");
  }
  if (!json) return res;
  auto xml = fhir_json_to_xml(res.body);
  if (!xml) {
    // A stored resource XML cannot carry (a narrative that is not well-formed XHTML, a control
    // character): said in XML, which an OperationOutcome of ours always can be.
    log::warn("fhir.xml_unrepresentable", {{"status", static_cast<std::int64_t>(res.status)}});
    HttpResponse refused = outcome_response(
        406, issue_code::kNotSupported,
        "this answer cannot be given in XML (" + xml.error().diagnostics + "); ask for JSON (_format=json)");
    return in_format(std::move(refused), FhirFormat::kXml);
  }
  res.body = std::move(*xml);
  for (auto& [name, value] : res.headers) {
    if (name == "Content-Type") value = kFhirXml;
  }
  return res;
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
  const std::optional<FhirFormat> format = response_format(req);
  try {
    if (!format) {
      res = outcome_response(406, issue_code::kNotSupported,
                             "this server answers in FHIR JSON or XML (_format=json|xml, or Accept "
                             "application/fhir+json or application/fhir+xml)");
    } else {
      res = in_format(impl_->dispatch(req, base), *format);
    }
  } catch (const std::exception& e) {
    log::error("fhir.request_failed", {{"error", e.what()}});
    res = in_format(outcome_response(500, "exception", "internal error"), format.value_or(FhirFormat::kJson));
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
    RequestBody body;
    if (auto refused = read_body(req, body)) return std::move(*refused);
    return system_bundle(*who, base, body);
  }

  Route route;
  route.type = std::string(parts[0]);
  if (!is_supported_type(route.type)) {
    return outcome_response(404, issue_code::kNotSupported, "resource type not supported by this server", route.type);
  }
  if (parts.size() == 2 && parts[1] == "$match" && route.type == "Patient") {
    // An operation that reads: POST only (its input is a Parameters resource), Patient read scope.
    if (req.method != "POST") {
      HttpResponse res = outcome_response(405, issue_code::kNotSupported, "Patient/$match is invoked with POST");
      res.set_header("Allow", "POST");
      return res;
    }
    if (!scope_allows(who->scopes, "Patient", Access::kRead)) {
      return outcome_response(403, "forbidden", "the token's scopes do not allow reading Patient");
    }
    route.operation = "$match";
    RequestBody body;
    if (auto refused = read_body(req, body)) return std::move(*refused);
    return match(req, *who, base, body);
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
    if (req.method == "POST") {
      RequestBody body;
      if (auto refused = read_body(req, body)) return std::move(*refused);
      return create(req, *who, route.type, base, body);
    }
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
    if (req.method == "PUT") {
      RequestBody body;
      if (auto refused = read_body(req, body)) return std::move(*refused);
      return update(req, *who, route, base, body);
    }
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

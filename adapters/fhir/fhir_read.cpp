// Reads of the archive: read, vread, history, search, Patient/$everything. Each one that returns
// patient data is written to the audit trail with the patients it returned.
#include <algorithm>
#include <charconv>
#include <set>

#include "adapters/fhir/fhir_api_impl.hpp"
#include "adapters/fhir/search_request.hpp"
#include "gateway/core/log.hpp"

namespace medgw::fhir {
namespace {

BundleEntry match_entry(const crmstore::StoredResource* r, const char* mode) {
  BundleEntry e;
  e.resource = r;
  e.search_mode = mode;
  return e;
}

}  // namespace

void FhirApi::Impl::audit(const Principal& who, const char* action, const std::string& type,
                          std::vector<std::int64_t> goldens, const HttpRequest& req, unsigned status) {
  std::sort(goldens.begin(), goldens.end());
  goldens.erase(std::unique(goldens.begin(), goldens.end()), goldens.end());
  crmstore::AuditEntry entry{who.client, action, type, std::move(goldens), req.target, std::to_string(status)};
  if (auto r = reader.audit(entry); !r) {
    // The answer is already computed; losing its audit row is an operator's problem, logged loudly.
    log::error("fhir.audit_failed", {{"error", r.error().message}, {"client", who.client}});
  }
}

HttpResponse FhirApi::Impl::read(const HttpRequest& req, const Principal& who, const Route& route,
                                 const std::string& base) {
  if (route.history) {
    auto versions = reader.history(route.type, route.id);
    if (!versions) return archive_error_response(versions.error());
    if (!*versions) {
      audit(who, "history", route.type, {}, req, 404);
      return outcome_response(404, "not-found", "no " + route.type + " with this id");
    }
    std::vector<BundleEntry> entries;
    std::vector<std::int64_t> goldens;
    for (const auto& r : **versions) {
      // bdl-3: a history entry says how the version came about; version 1 was a create.
      BundleEntry e;
      e.resource = &r;
      e.request_method = r.version == 1 ? "POST" : "PUT";
      e.request_url = r.version == 1 ? r.type : r.type + "/" + r.id;
      e.response_status = "200";
      entries.push_back(std::move(e));
      goldens.push_back(r.golden);
    }
    audit(who, "history", route.type, goldens, req, 200);
    return json_response(200, bundle_json("history", entries, base, {base + "/" + route.type + "/" + route.id + "/_history", {}},
                                          static_cast<std::int64_t>(entries.size())));
  }
  std::optional<crmstore::StoredResource> found;
  if (!route.version.empty()) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(route.version.data(), route.version.data() + route.version.size(), v);
    if (ec != std::errc() || end != route.version.data() + route.version.size() || v < 1) {
      return outcome_response(400, issue_code::kValue, "a version id is a positive whole number", "_history");
    }
    auto r = reader.vread(route.type, route.id, v);
    if (!r) return archive_error_response(r.error());
    found = std::move(*r);
  } else {
    auto r = reader.read(route.type, route.id);
    if (!r) return archive_error_response(r.error());
    found = std::move(*r);
  }
  const char* action = route.version.empty() ? "read" : "vread";
  if (!found) {
    audit(who, action, route.type, {}, req, 404);
    return outcome_response(404, "not-found",
                            route.version.empty() ? "no " + route.type + " with this id"
                                                  : "no such version of this " + route.type);
  }
  audit(who, action, route.type, {found->golden}, req, 200);
  HttpResponse res = json_response(200, found->json);
  set_version_headers(res, *found, base, false);
  return res;
}

HttpResponse FhirApi::Impl::search(const HttpRequest& req, const Principal& who, const std::string& type,
                                   const std::vector<std::pair<std::string, std::string>>& query,
                                   const std::string& base) {
  auto q = parse_search(type, query);
  if (!q) return outcome_response(400, issue_code::kInvalid, q.error().message, q.error().parameter);
  if (q->include_results && !scope_allows(who.scopes, "Observation", Access::kRead)) {
    return outcome_response(403, "forbidden", "_include of results needs read access to Observation");
  }
  auto page = reader.search(*q);
  if (!page) {
    if (page.error().kind == crmstore::ArchiveErrorKind::kInvalidRequest) audit(who, "search", type, {}, req, 400);
    return archive_error_response(page.error());
  }
  std::vector<BundleEntry> entries;
  std::vector<std::int64_t> goldens;
  for (const auto& r : page->matches) {
    entries.push_back(match_entry(&r, "match"));
    goldens.push_back(r.golden);
  }
  for (const auto& r : page->included) {
    entries.push_back(match_entry(&r, "include"));
    goldens.push_back(r.golden);
  }
  BundleLinks links;
  std::string self_query;
  for (const auto& [name, value] : query) {
    self_query += (self_query.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(value);
  }
  links.self = base + "/" + type + (self_query.empty() ? "" : "?" + self_query);
  if (!page->next_cursor.empty()) links.next = base + "/" + type + "?" + next_page_query(query, page->next_cursor);
  audit(who, "search", type, goldens, req, 200);
  return json_response(200, bundle_json("searchset", entries, base, links, page->total));
}

HttpResponse FhirApi::Impl::everything(const HttpRequest& req, const Principal& who, const Route& route,
                                       const std::string& base) {
  // $everything returns every type: the token must allow reading all of them.
  for (std::string_view t : {"Patient", "Encounter", "Observation", "DiagnosticReport", "ServiceRequest",
                             "DocumentReference", "ImagingStudy"}) {
    if (!scope_allows(who.scopes, t, Access::kRead)) {
      return outcome_response(403, "forbidden", "Patient/$everything needs read access to " + std::string(t));
    }
  }
  auto all = reader.everything(route.id);
  if (!all) return archive_error_response(all.error());
  if (!*all) {
    audit(who, "everything", "Patient", {}, req, 404);
    return outcome_response(404, "not-found", "no Patient with this id");
  }
  std::vector<BundleEntry> entries;
  std::vector<std::int64_t> goldens;
  for (const auto& r : **all) {
    entries.push_back(match_entry(&r, "match"));
    goldens.push_back(r.golden);
  }
  audit(who, "everything", "Patient", goldens, req, 200);
  return json_response(200, bundle_json("searchset", entries, base,
                                        {base + "/Patient/" + route.id + "/$everything", {}},
                                        static_cast<std::int64_t>(entries.size())));
}

}  // namespace medgw::fhir

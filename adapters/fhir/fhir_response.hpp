#pragma once
// Building FHIR answers: JSON bodies with the FHIR content type, OperationOutcomes for every
// error, version headers, Bundles around resources already serialised.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/crmstore/archive_reader.hpp"
#include "adapters/fhir/http_message.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

inline constexpr const char* kFhirJson = "application/fhir+json; charset=utf-8";

HttpResponse json_response(unsigned status, std::string body);
// One error issue; `code` is a FHIR issue-type (issue_code::*).
HttpResponse outcome_response(unsigned status, const char* code, std::string diagnostics,
                              std::string expression = {});
HttpResponse outcome_response(unsigned status, const std::vector<Issue>& issues);

// ETag W/"<version>", Last-Modified, and (for writes) Location <base>/<Type>/<id>/_history/<v>.
void set_version_headers(HttpResponse& res, const crmstore::StoredResource& r, const std::string& base_url,
                         bool location);

// "2026-11-23T18:30:00.123Z" -> "Mon, 23 Nov 2026 18:30:00 GMT"; empty when unreadable.
std::string http_date(std::string_view fhir_instant);

struct BundleEntry {
  const crmstore::StoredResource* resource = nullptr;  // null: an entry with only a response
  const char* search_mode = nullptr;                   // "match" | "include" | "outcome"
  std::optional<double> search_score;                  // search.score (Patient/$match: 0..1)
  const char* match_grade = nullptr;                   // the match-grade extension of search (certain, ...)
  std::string inline_resource;                         // JSON of a resource without an id (an OperationOutcome)
  std::string request_method, request_url;            // history: how each version was written
  std::string response_status;                         // transaction/batch: "201 Created"
  std::string response_location, response_etag, response_last_modified;
  std::string response_outcome;                        // OperationOutcome JSON, for a failed batch entry
};

inline constexpr const char* kMatchGradeExtension = "http://hl7.org/fhir/StructureDefinition/match-grade";

struct BundleLinks {
  std::string self, next;
};

std::string bundle_json(std::string_view type, const std::vector<BundleEntry>& entries, const std::string& base_url,
                        const BundleLinks& links = {}, std::optional<std::int64_t> total = std::nullopt);

}  // namespace medgw::fhir

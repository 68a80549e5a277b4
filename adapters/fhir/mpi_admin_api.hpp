#pragma once
// The patient index's operations over HTTP (issue 7), on the FHIR server's port and behind its
// authentication: the same operations as `medgw mpi` (mpi_operation_commands.cpp), in the same
// JSON (adapters/crmstore/index_json.hpp).
//
//   GET  /admin/mpi/review[?all=true]
//   GET  /admin/mpi/history?golden=ID
//   POST /admin/mpi/link      {"source_record": N, "golden": G, "reason": "...", "by": "..."}
//   POST /admin/mpi/unlink    {"source_record": N, "reason": ...}
//   POST /admin/mpi/merge     {"from": G, "into": G, "reason": ...}
//   POST /admin/mpi/unmerge   {"merge": M, "reason": ...}
//   POST /admin/mpi/distinct  {"golden_a": G, "golden_b": G, "reason": ...}
//   POST /admin/mpi/undo      {"operation": O, "reason": ...}
//
// Access: a bearer token (API key or JWT, as the FHIR API) carrying the scope kMpiAdminScope
// exactly. No FHIR scope grants it, wildcards included (`system/*.*` is a data client's, not an
// operator's), and there is no anonymous access: without a token 401, without the scope 403.
// Who is recorded: the token's client, and the person at its console when the body names one
// ("by": "alice" -> "alice via <client>"). A reason is required.
//
// Answers: 200 with the JSON; 400 a malformed body or a missing field; 404 an unknown path; 405 a
// wrong method; 409 refused (an unknown id, a merged patient, a distinct pair, links changed
// since: {"error": why}); 503 with Retry-After when the store is busy. Errors carry ids, never PHI.
#include <memory>
#include <string_view>

#include "adapters/fhir/http_message.hpp"

namespace medgw::crmstore {
class SqliteCrmStore;
}

namespace medgw::fhir {

class Authenticator;

inline constexpr std::string_view kMpiAdminPath = "/admin/mpi/";
inline constexpr std::string_view kMpiAdminScope = "medgw/mpi.admin";

class MpiAdminApi {
 public:
  MpiAdminApi(const Authenticator& auth, crmstore::SqliteCrmStore& store) : auth_(auth), store_(store) {}

  // Whether `path` is this API's (the FHIR server routes it here).
  static bool handles(std::string_view path) { return path.substr(0, kMpiAdminPath.size()) == kMpiAdminPath; }

  // Thread-safe (the store serialises its calls).
  HttpResponse handle(const HttpRequest& request);

 private:
  const Authenticator& auth_;
  crmstore::SqliteCrmStore& store_;
};

}  // namespace medgw::fhir

#pragma once
// The read side of the FHIR API over the SQLite CRM store: read, vread, history, search,
// Patient/$everything, Patient/$match, the lookups the server needs after a write, and the audit log.
//
// Connection. Its own SQLite connection to the store's file, which the store (SqliteCrmStore::open)
// must have created and migrated: open() refuses a missing file or an older schema rather than
// migrate from a reader. The store runs WAL, so reads never block the pipeline's writer nor wait
// for it; every call reads one consistent snapshot (one read transaction). A small pool of
// connections (ArchiveReaderOptions::connections): calls may come from any thread, as many at once
// as there are connections (the FHIR server opens one per handler thread); a call finding every
// connection busy waits for one. Each connection keeps its own prepared statements.
//
// Ids, as the API serves them (the same as the store writes into references):
//   Patient "<n>"      golden patient n, composed from its current source records (golden_patient.hpp)
//                      with a "seealso" link to each; merged into another: active=false and a
//                      "replaced-by" link to the surviving patient, nothing else
//   Patient "src-<n>"  source record n as its sender gave it, with a "refer" link to its golden patient
//   other types        the row id of their table ("17")
// meta.versionId is the row's version (source records: their version; golden patients: derived,
// see read()); meta.lastUpdated the time the store last wrote it.
//
// Paging is by keyset, not offset: the cursor holds the last row's sort key and id, so rows added
// between two pages neither shift a row into a page already served nor out of the next one.
//
// Errors never carry PHI: a message names the parameter and what is wrong with it, never the value.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/crmstore/search_query.hpp"
#include "adapters/crmstore/survivorship.hpp"
#include "gateway/core/expected.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::crmstore {

struct StoredResource {
  std::string type;  // FHIR resource type
  std::string id;    // "17", "3" (golden patient), "src-4" (source record)
  std::int64_t version = 1;
  std::string last_updated;  // FHIR instant, UTC
  std::int64_t golden = 0;   // the golden patient it belongs to (a Patient: itself / its golden)
  std::string json;          // FHIR JSON with id and meta {versionId, lastUpdated} set
};

enum class ArchiveErrorKind {
  kInvalidRequest,  // the client's fault: answer 400 with an OperationOutcome
  kStore,           // the database's: retryable -> 503 + Retry-After, else 500
};

struct ArchiveError {
  ArchiveErrorKind kind = ArchiveErrorKind::kStore;
  std::string parameter;  // kInvalidRequest: the search parameter at fault ("date", "_sort", "cursor")
  std::string message;    // no PHI
  bool retryable = false;
};

template <class T>
using ArchiveResult = Expected<T, ArchiveError>;

struct SearchPage {
  std::vector<StoredResource> matches;   // search.mode = match, in the query's order
  std::vector<StoredResource> included;  // search.mode = include (_include), each once
  std::string next_cursor;               // url-safe; empty: this is the last page
  std::optional<std::int64_t> total;     // when asked (SearchQuery::total) or _count=0
};

// One request that read patient data. `query` is the path and query string as the client sent
// them (values included). Identifiers and names in a query are PHI; the audit log is the one place
// that keeps them, because "who looked up MRN X" is exactly what an audit must answer; it lives in
// the store file, which is protected as the archive itself is, and it is never logged elsewhere.
struct AuditEntry {
  std::string client;                 // the authenticated client (token subject), never a secret
  std::string action;                 // read | vread | history | search | everything | match
  std::string resource_type;          // "Patient", "Observation", ...
  std::vector<std::int64_t> goldens;  // the patients whose data was returned: one row each; none: one row, NULL
  std::string query;                  // "/fhir/Observation?patient=3&code=2345-7"
  std::string outcome;                // the HTTP status ("200", "404", "400")
};

// Patient/$match (mappings/mpi/patient_match.hpp has the grades and the order).
struct PatientMatchOptions {
  bool only_certain = false;  // onlyCertainMatches
  std::size_t count = 10;     // at most this many matches
  // The day a national ID's birth date may not be after; nullopt: today (UTC), as the store's.
  std::optional<std::chrono::year_month_day> today;
};

struct MatchedPatient {
  StoredResource patient;  // the golden patient, as read() serves it
  mpi::MatchGrade grade = mpi::MatchGrade::kProbable;
  double score = 0.0;  // search.score, 0..1
};

struct PatientMatchAnswer {
  std::vector<MatchedPatient> matches;  // best first
  bool ambiguous = false;               // only_certain and several certain matches: none returned
  std::int64_t model_version = 0;       // the match model scored with (0: the built-in default)
};

struct ArchiveReaderOptions {
  // The offset of local time from UTC: FHIR dates without a time zone ("2026-11-02", and stored
  // values such as a v2 birth date turned effective date) are days of the hospital's calendar,
  // not of UTC. A search for date=2026-11-02 in Beijing (+08:00) means 2026-11-01T16:00Z up to
  // 2026-11-02T16:00Z.
  std::chrono::minutes utc_offset{0};
  // How golden patients are composed from their source records (crm_store.survivorship).
  SurvivorshipRules survivorship;
  // Connections to the store file, each used by one call at a time. SQLite in WAL mode reads in
  // parallel on separate connections; one connection serialises every request of the FHIR API.
  unsigned connections = 1;
};

class ArchiveReader {
 public:
  struct Impl;

  static Expected<std::unique_ptr<ArchiveReader>, std::string> open(const std::string& path,
                                                                    ArchiveReaderOptions options = {});
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The current version; nullopt for an unknown type or id, a reserved row (written by a change
  // set still in flight elsewhere: it has no resource yet), or a golden patient without records.
  // A golden patient's version is derived, not stored: the highest revision of its source records
  // (merged away: of those it had, plus one), lastUpdated their latest update (merged: the merge).
  ArchiveResult<std::optional<StoredResource>> read(std::string_view type, std::string_view id);
  // That version: the current one, or one kept in resource_history. Golden patients have only
  // their current version.
  ArchiveResult<std::optional<StoredResource>> vread(std::string_view type, std::string_view id, std::int64_t version);
  // Every version, newest first; nullopt when the resource does not exist.
  ArchiveResult<std::optional<std::vector<StoredResource>>> history(std::string_view type, std::string_view id);

  ArchiveResult<SearchPage> search(const SearchQuery& query);

  // Patient/$everything for "<n>" or "src-<n>": the golden patient, its source records, then its
  // encounters, orders, imaging studies, reports, observations and documents (each by date, then
  // id). A golden patient merged into another answers for the surviving one. nullopt: no patient.
  ArchiveResult<std::optional<std::vector<StoredResource>>> everything(std::string_view patient_id);

  // Patient/$match: the golden patients the patient index grades certain or probable for
  // `patient`, looked up through the identifiers and blocking keys the resolver uses and scored
  // with the store's current match model (the highest version in match_models, else the
  // built-in default), in one read transaction: nothing is written, no link, no golden patient, no
  // review task. kInvalidRequest (parameter "resource") when the Patient has nothing to look
  // candidates up by (no trusted identifier and no blocking key).
  ArchiveResult<PatientMatchAnswer> match(const model::Patient& patient, const PatientMatchOptions& options);

  // The row a sender's business key (change_set.hpp) was written to: what the server answers
  // after a create or conditional update. Patients have no such key: see find_source_record.
  ArchiveResult<std::optional<StoredResource>> find_by_key(std::string_view type, std::string_view sender,
                                                           std::string_view key);
  // Patient/src-<n> whose source record is (sender, key_system, key_value).
  ArchiveResult<std::optional<StoredResource>> find_source_record(std::string_view sender, std::string_view system,
                                                                  std::string_view value);

  // Writes the entry to audit_log (at = now, UTC) in one short transaction; waits for the
  // pipeline's writer up to the busy timeout (5 s). Committed with synchronous=NORMAL: an audit
  // row survives a crash of medgw, and is on disk at the store's next commit (FULL).
  ArchiveResult<std::monostate> audit(const AuditEntry& entry);

 private:
  class Lease;
  explicit ArchiveReader(std::vector<std::unique_ptr<Impl>> connections);
  std::vector<std::unique_ptr<Impl>> connections_;
  std::mutex mu_;
  std::condition_variable idle_changed_;
  std::vector<Impl*> idle_;  // connections no call is using
};

using ArchiveReaderPtr = std::unique_ptr<ArchiveReader>;

}  // namespace medgw::crmstore

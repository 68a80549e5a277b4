#pragma once
// ArchiveReader's internals, shared by archive_reader.cpp (reads, lookups, audit),
// archive_search.cpp (search), archive_match.cpp and archive_index_reader.cpp (Patient/$match).
// Not for use outside those files.
//
// The reader opens its connection with the SQLite API itself rather than through sqlite::Db: its
// search statements are built per request (their SQL depends on which parameters a query has), and
// Db caches every statement it ever prepared, which for ad hoc queries would grow without bound.
// Statements with fixed SQL are cached here too; search statements are prepared and finalized per
// use. Both are driven through sqlite::Query (binding, stepping, error values without PHI).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/crmstore/archive_reader.hpp"
#include "adapters/crmstore/sqlite_db.hpp"

namespace medgw::mpi {
struct MatchModel;
}

struct sqlite3;
struct sqlite3_stmt;

namespace medgw::crmstore {

namespace archive {

struct Finalize {
  void operator()(sqlite3_stmt* s) const;
};

// A statement in use: `query` is destroyed (reset) before `owned` (finalized, when not cached).
struct Statement {
  std::unique_ptr<sqlite3_stmt, Finalize> owned;
  std::optional<sqlite::Query> query;
  sqlite::Query* operator->() { return &*query; }
  sqlite::Query& operator*() { return *query; }
};

ArchiveError store_error(const sqlite::DbError& e);
ArchiveError invalid(std::string parameter, std::string message);

// The table of a clinical resource type; nullptr for Patient and unknown types.
const char* table_of(std::string_view type);
// "123" -> 123; anything else (signs, spaces, leading zeros allowed) -> nullopt.
std::optional<std::int64_t> parse_id(std::string_view text);

// Stored JSON with resourceType, id and meta {versionId, lastUpdated} first (other meta elements
// kept), and for a source record its link replaced by one "refer" link to `refer`. nullopt when the
// stored text is not a JSON object.
std::optional<std::string> with_meta(std::string_view json, std::string_view type, std::string_view id,
                                     std::int64_t version, std::string_view last_updated,
                                     const std::optional<std::string>& refer = std::nullopt);

}  // namespace archive

struct ArchiveReader::Impl {
  sqlite3* db = nullptr;
  ArchiveReaderOptions options;
  std::unordered_map<std::string, sqlite3_stmt*> cache;
  // The match model last read from match_models (archive_match.cpp), parsed once per version.
  std::int64_t match_model_version = -1;
  std::shared_ptr<const mpi::MatchModel> match_model;

  ~Impl();

  // `what` must be a string literal (sqlite::Query keeps a view of it).
  ArchiveResult<archive::Statement> prepare(std::string_view sql, const char* what, bool cached = true);
  ArchiveResult<std::monostate> exec(const char* sql, const char* what);
  void rollback();

  // All below run inside the caller's transaction.
  ArchiveResult<std::optional<StoredResource>> current(std::string_view type, std::string_view id);
  ArchiveResult<std::optional<StoredResource>> golden_patient(std::int64_t golden);
  ArchiveResult<std::optional<StoredResource>> source_record(std::int64_t record);
  ArchiveResult<std::optional<StoredResource>> clinical(const char* type, std::int64_t id);
  // The patient a golden id stands for now: itself, or the end of its chain of merges.
  ArchiveResult<std::optional<std::int64_t>> surviving_golden(std::int64_t golden);
  ArchiveResult<std::optional<std::int64_t>> golden_of_record(std::int64_t record);
  // "<n>" / "src-<n>" -> the current golden patient; nullopt when unknown.
  ArchiveResult<std::optional<std::int64_t>> golden_of_patient_id(std::string_view id);
};

// archive_search.cpp; runs inside the caller's transaction.
ArchiveResult<SearchPage> run_search(ArchiveReader::Impl& impl, const SearchQuery& query);
// archive_match.cpp; runs inside the caller's transaction.
ArchiveResult<PatientMatchAnswer> run_match(ArchiveReader::Impl& impl, const model::Patient& patient,
                                            const PatientMatchOptions& options);

}  // namespace medgw::crmstore

#pragma once
// A thin RAII layer over the SQLite C API for the CRM store: one connection, statements prepared
// once and cached by their SQL text, every value bound as a parameter (never spliced into SQL),
// and SQLite result codes turned into values that say whether retrying can help.
//
// Error messages carry SQLite's generic text for the code (sqlite3_errstr) and what the store was
// doing, never sqlite3_errmsg: a constraint message may quote values, and values may be PHI.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "gateway/core/expected.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace medgw::crmstore::sqlite {

struct DbError {
  int code = 0;          // the SQLite primary result code
  std::string message;   // no PHI
  bool retryable = false;
};

template <class T>
using DbResult = Expected<T, DbError>;
using Ok = std::monostate;

// Busy, locked, I/O, disk full, out of memory: the batch may succeed later. Anything else
// (constraint, corrupt, misuse) will fail again the same way.
bool is_retryable(int sqlite_code);

// One use of a cached prepared statement. Parameters are 1-based as in SQLite; columns 0-based.
// Resets the statement and clears its bindings when destroyed, so the cache can hand it out again.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt, std::string_view what);
  Query(Query&& other) noexcept;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;
  ~Query();

  Query& bind(int index, std::int64_t value);
  Query& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Query& bind(int index, double value);
  Query& bind(int index, std::string_view value);
  Query& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, std::optional<double> value);
  Query& bind(int index, std::optional<std::int64_t> value);
  Query& bind_null(int index);

  // true: a row is ready to read; false: the statement is done.
  DbResult<bool> step();
  // Steps to the end (for INSERT/UPDATE/DELETE).
  DbResult<Ok> run();
  // The first column of the first row, or nullopt when there is no row.
  DbResult<std::optional<std::int64_t>> single_int64();

  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  DbError error(int rc) const;
  void check_bind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string_view what_;
  int bind_error_ = 0;
};

class Db {
 public:
  // Opens (creating) the database file. Does not set pragmas: the store decides those.
  static DbResult<std::unique_ptr<Db>> open(const std::string& path);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // A cached statement for `sql`, prepared on first use. `what` names the operation in errors.
  DbResult<Query> query(std::string_view sql, std::string_view what);
  // Runs SQL without parameters (schema scripts, BEGIN, COMMIT, SAVEPOINT, PRAGMA).
  DbResult<Ok> exec(const char* sql, std::string_view what);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  DbError error(int rc, std::string_view what) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

using DbPtr = std::unique_ptr<Db>;

}  // namespace medgw::crmstore::sqlite

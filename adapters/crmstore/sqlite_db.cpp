#include "adapters/crmstore/sqlite_db.hpp"

#include <sqlite3.h>

namespace medgw::crmstore::sqlite {

bool is_retryable(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

namespace {

DbError make_error(int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += sqlite3_errstr(rc);
  return DbError{rc & 0xff, std::move(message), is_retryable(rc)};
}

}  // namespace

Query::Query(sqlite3* db, sqlite3_stmt* stmt, std::string_view what) : db_(db), stmt_(stmt), what_(what) {}

Query::Query(Query&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), what_(other.what_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

Query::~Query() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Query::check_bind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Query& Query::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Query& Query::bind(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Query& Query::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries are safe to bind.
  check_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Query& Query::bind(int index, std::optional<double> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Query& Query::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Query& Query::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

DbError Query::error(int rc) const { return make_error(rc, what_); }

DbResult<bool> Query::step() {
  if (bind_error_ != 0) return unexpected(error(bind_error_));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return unexpected(error(rc));
}

DbResult<Ok> Query::run() {
  for (;;) {
    auto r = step();
    if (!r) return unexpected(r.error());
    if (!*r) return Ok{};
  }
}

DbResult<std::optional<std::int64_t>> Query::single_int64() {
  auto r = step();
  if (!r) return unexpected(r.error());
  if (!*r || is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(int64(0));
}

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Query::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Query::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Query::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

DbResult<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(raw);
    return unexpected(make_error(rc, "open database"));
  }
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

DbResult<Query> Db::query(std::string_view sql, std::string_view what) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) return unexpected(make_error(rc, what));
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Query(db_, it->second, what);
}

DbResult<Ok> Db::exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return unexpected(make_error(rc, what));
  return Ok{};
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
DbError Db::error(int rc, std::string_view what) const { return make_error(rc, what); }

}  // namespace medgw::crmstore::sqlite

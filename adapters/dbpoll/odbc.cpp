#include "adapters/dbpoll/odbc.hpp"

#include <sql.h>
#include <sqlext.h>

#include <type_traits>

namespace medgw::dbpoll {
namespace {

static_assert(std::is_same_v<SQLLEN, long>, "odbc.hpp stores SQLLEN indicators as long");

// A database message is for the operator; a huge one (a driver dumping a statement) is cut.
constexpr std::size_t kMaxMessageBytes = 1024;
// SQLGetData chunk: most values fit in one call.
constexpr std::size_t kChunkBytes = 8192;

bool ok(SQLRETURN r) {
  return r == SQL_SUCCESS || r == SQL_SUCCESS_WITH_INFO;
}

OdbcError diagnose(SQLSMALLINT handle_type, SQLHANDLE handle, std::string where) {
  OdbcError e;
  e.where = std::move(where);
  for (SQLSMALLINT i = 1; handle != nullptr && i <= 5; ++i) {
    SQLCHAR state[6] = {0};
    SQLINTEGER native = 0;
    SQLCHAR text[SQL_MAX_MESSAGE_LENGTH] = {0};
    SQLSMALLINT text_len = 0;
    SQLRETURN r = SQLGetDiagRec(handle_type, handle, i, state, &native, text, sizeof(text), &text_len);
    if (!ok(r)) break;
    if (i == 1) {
      e.sqlstate = reinterpret_cast<const char*>(state);
      e.native = static_cast<int>(native);
    }
    if (!e.message.empty()) e.message += "; ";
    e.message += reinterpret_cast<const char*>(text);
  }
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) e.message.pop_back();
  if (e.message.size() > kMaxMessageBytes) {
    e.message.resize(kMaxMessageBytes);
    e.message += "...";
  }
  if (e.message.empty()) e.message = "no diagnostic from the driver";
  return e;
}

}  // namespace

bool OdbcError::connection_lost() const {
  if (sqlstate.rfind("08", 0) == 0) return true;
  // PostgreSQL's admin shutdown / crash shutdown / cannot connect now (the server restarting).
  return sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "HYT01";
}

std::string OdbcError::describe() const {
  return where + ": [" + sqlstate + "] " + message;
}

OdbcConnection::~OdbcConnection() {
  // A transaction left open (autocommit off, a poll that failed half-way) would make SQLDisconnect
  // refuse (25000) and leave the connection behind: roll it back first.
  if (connected_) {
    SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
    SQLDisconnect(dbc_);
  }
  if (dbc_ != nullptr) SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
  if (env_ != nullptr) SQLFreeHandle(SQL_HANDLE_ENV, env_);
}

OdbcResult<std::unique_ptr<OdbcConnection>> OdbcConnection::connect(const std::string& connection_string,
                                                                    unsigned login_timeout_s) {
  std::unique_ptr<OdbcConnection> c(new OdbcConnection());
  if (!ok(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &c->env_))) {
    c->env_ = nullptr;
    return unexpected(OdbcError{"SQLAllocHandle(ENV)", "HY001", "cannot allocate an ODBC environment", 0});
  }
  if (!ok(SQLSetEnvAttr(c->env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0))) {
    return unexpected(diagnose(SQL_HANDLE_ENV, c->env_, "SQLSetEnvAttr(ODBC_VERSION)"));
  }
  if (!ok(SQLAllocHandle(SQL_HANDLE_DBC, c->env_, &c->dbc_))) {
    c->dbc_ = nullptr;
    return unexpected(diagnose(SQL_HANDLE_ENV, c->env_, "SQLAllocHandle(DBC)"));
  }
  if (login_timeout_s > 0) {
    SQLSetConnectAttr(c->dbc_, SQL_ATTR_LOGIN_TIMEOUT,
                      reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(login_timeout_s)), 0);
  }
  SQLSMALLINT out_len = 0;
  SQLRETURN r =
      SQLDriverConnect(c->dbc_, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())),
                       static_cast<SQLSMALLINT>(connection_string.size()), nullptr, 0, &out_len, SQL_DRIVER_NOPROMPT);
  if (!ok(r)) return unexpected(diagnose(SQL_HANDLE_DBC, c->dbc_, "SQLDriverConnect"));
  c->connected_ = true;
  return c;
}

OdbcResult<std::unique_ptr<OdbcStatement>> OdbcConnection::prepare(const std::string& sql, unsigned query_timeout_s) {
  std::unique_ptr<OdbcStatement> s(new OdbcStatement());
  if (!ok(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s->stmt_))) {
    s->stmt_ = nullptr;
    return unexpected(diagnose(SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)"));
  }
  if (query_timeout_s > 0) {
    // Not every driver supports it (SQLite's ignores it); a failure here is not fatal.
    SQLSetStmtAttr(s->stmt_, SQL_ATTR_QUERY_TIMEOUT,
                   reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(query_timeout_s)), 0);
  }
  if (!ok(SQLPrepare(s->stmt_, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())),
                     static_cast<SQLINTEGER>(sql.size())))) {
    return unexpected(diagnose(SQL_HANDLE_STMT, s->stmt_, "SQLPrepare"));
  }
  SQLSMALLINT n = 0;
  if (!ok(SQLNumParams(s->stmt_, &n))) return unexpected(diagnose(SQL_HANDLE_STMT, s->stmt_, "SQLNumParams"));
  s->parameter_count_ = static_cast<std::size_t>(n);
  return s;
}

OdbcResult<bool> OdbcConnection::set_autocommit(bool on) {
  SQLULEN v = on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF;
  if (!ok(SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(v), 0))) {
    return unexpected(diagnose(SQL_HANDLE_DBC, dbc_, "SQLSetConnectAttr(AUTOCOMMIT)"));
  }
  return true;
}

OdbcResult<bool> OdbcConnection::commit() {
  if (!ok(SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_COMMIT)))
    return unexpected(diagnose(SQL_HANDLE_DBC, dbc_, "SQLEndTran(COMMIT)"));
  return true;
}

OdbcResult<bool> OdbcConnection::rollback() {
  if (!ok(SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK))) {
    return unexpected(diagnose(SQL_HANDLE_DBC, dbc_, "SQLEndTran(ROLLBACK)"));
  }
  return true;
}

OdbcStatement::~OdbcStatement() {
  if (stmt_ != nullptr) SQLFreeHandle(SQL_HANDLE_STMT, stmt_);
}

OdbcResult<bool> OdbcStatement::execute(const std::vector<Value>& params) {
  if (params.size() != parameter_count_) {
    return unexpected(OdbcError{"SQLExecute", "07002",
                                "the statement has " + std::to_string(parameter_count_) + " parameter markers, " +
                                    std::to_string(params.size()) + " values were bound",
                                0});
  }
  SQLFreeStmt(stmt_, SQL_CLOSE);
  SQLFreeStmt(stmt_, SQL_RESET_PARAMS);
  bound_.assign(params.size(), std::string());
  bound_lengths_.assign(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i]) {
      bound_[i] = *params[i];
      bound_lengths_[i] = static_cast<SQLLEN>(bound_[i].size());
    } else {
      bound_lengths_[i] = SQL_NULL_DATA;
    }
    // A column size of at least 1: some drivers refuse 0 for VARCHAR.
    const SQLULEN column_size = bound_[i].empty() ? 1 : bound_[i].size();
    SQLRETURN r =
        SQLBindParameter(stmt_, static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, column_size,
                         0, bound_[i].data(), static_cast<SQLLEN>(bound_[i].size()), &bound_lengths_[i]);
    if (!ok(r)) return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLBindParameter"));
  }
  SQLRETURN r = SQLExecute(stmt_);
  // SQL_NO_DATA: an UPDATE or DELETE that touched no row.
  if (!ok(r) && r != SQL_NO_DATA) return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLExecute"));
  SQLSMALLINT n = 0;
  if (!ok(SQLNumResultCols(stmt_, &n))) return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLNumResultCols"));
  column_count_ = static_cast<std::size_t>(n);
  return true;
}

OdbcResult<std::vector<std::string>> OdbcStatement::columns() {
  std::vector<std::string> names;
  for (std::size_t i = 1; i <= column_count_; ++i) {
    SQLCHAR name[256] = {0};
    SQLSMALLINT name_len = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    if (!ok(SQLDescribeCol(stmt_, static_cast<SQLUSMALLINT>(i), name, sizeof(name), &name_len, &type, &size, &digits,
                           &nullable))) {
      return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLDescribeCol"));
    }
    names.emplace_back(reinterpret_cast<const char*>(name));
  }
  return names;
}

OdbcResult<std::optional<Row>> OdbcStatement::fetch(std::size_t max_value_bytes) {
  SQLRETURN r = SQLFetch(stmt_);
  if (r == SQL_NO_DATA) return std::optional<Row>();
  if (!ok(r)) return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLFetch"));
  Row row;
  row.reserve(column_count_);
  char chunk[kChunkBytes];
  for (std::size_t c = 1; c <= column_count_; ++c) {
    std::string value;
    bool is_null = false;
    for (;;) {
      SQLLEN indicator = 0;
      r = SQLGetData(stmt_, static_cast<SQLUSMALLINT>(c), SQL_C_CHAR, chunk, sizeof(chunk), &indicator);
      if (r == SQL_NO_DATA) break;  // every chunk read
      if (!ok(r)) return unexpected(diagnose(SQL_HANDLE_STMT, stmt_, "SQLGetData"));
      if (indicator == SQL_NULL_DATA) {
        is_null = true;
        break;
      }
      // SQL_SUCCESS_WITH_INFO (01004): the chunk is full, less its terminating NUL; more follows.
      // SQL_SUCCESS: the indicator is the length of this last piece.
      std::size_t got =
          (r == SQL_SUCCESS_WITH_INFO && (indicator == SQL_NO_TOTAL || indicator >= static_cast<SQLLEN>(sizeof(chunk))))
              ? sizeof(chunk) - 1
              : static_cast<std::size_t>(indicator);
      if (value.size() + got > max_value_bytes) {
        return unexpected(OdbcError{"SQLGetData", "22001",
                                    "column " + std::to_string(c) + " holds a value longer than max_value_bytes (" +
                                        std::to_string(max_value_bytes) + ")",
                                    0});
      }
      value.append(chunk, got);
      if (r == SQL_SUCCESS) break;
    }
    if (is_null) {
      row.emplace_back(std::nullopt);
    } else {
      row.emplace_back(std::move(value));
    }
  }
  return std::optional<Row>(std::move(row));
}

long long OdbcStatement::affected_rows() {
  SQLLEN n = -1;
  if (!ok(SQLRowCount(stmt_, &n))) return -1;
  return static_cast<long long>(n);
}

void OdbcStatement::close_cursor() {
  SQLFreeStmt(stmt_, SQL_CLOSE);
}

}  // namespace medgw::dbpoll

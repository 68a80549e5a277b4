#pragma once
// A small RAII layer over unixODBC for the database poller: one environment, connections,
// prepared statements whose values are only ever bound parameters (no value is pasted into SQL
// text), and rows fetched as text. Every call blocks: callers run it on their own thread, never
// on the event loop (DESIGN.md, principle 5).
//
// Errors are values carrying the database's own words (SQLSTATE + message text from
// SQLGetDiagRec), so an operator sees why a query failed. They never contain the bound values or
// the connection string (which may hold a password); a driver may quote a value of the data in its
// message (a constraint violation, say), so the text is truncated and callers log it at most once
// per failure, never per row.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::dbpoll {

struct OdbcError {
  std::string where;     // the ODBC call that failed ("SQLDriverConnect", "SQLExecute", ...)
  std::string sqlstate;  // of the first diagnostic record ("08001", "42P01", ...); "" if none
  std::string message;   // the driver's and database's text, records joined by "; "
  int native = 0;        // the database's own error number

  // SQLSTATE class 08 (connection exception) or a driver's "communication link failure".
  bool connection_lost() const;
  std::string describe() const;  // "SQLExecute: [42P01] ERROR: relation \"x\" does not exist"
};

template <class T>
using OdbcResult = Expected<T, OdbcError>;

// A value of one column: nullopt is SQL NULL, kept distinct from the empty string.
using Value = std::optional<std::string>;
using Row = std::vector<Value>;

class OdbcStatement;

// A connection (with its own environment handle: unixODBC's environments are cheap and one per
// connection keeps the handles' lifetimes trivially nested). Not thread-safe: one thread uses it.
class OdbcConnection {
 public:
  ~OdbcConnection();
  OdbcConnection(const OdbcConnection&) = delete;
  OdbcConnection& operator=(const OdbcConnection&) = delete;

  // SQLDriverConnect with `connection_string` ("Driver=...;Server=...;"), no prompt.
  // `login_timeout_s` bounds the connect where the driver honours it (0: the driver's default).
  static OdbcResult<std::unique_ptr<OdbcConnection>> connect(const std::string& connection_string,
                                                             unsigned login_timeout_s);

  // Prepares `sql` (with `?` parameter markers). `query_timeout_s` (0: none) bounds each execute.
  OdbcResult<std::unique_ptr<OdbcStatement>> prepare(const std::string& sql, unsigned query_timeout_s);

  // Autocommit is on by default; off, a group of statements commits or rolls back together.
  OdbcResult<bool> set_autocommit(bool on);
  OdbcResult<bool> commit();
  OdbcResult<bool> rollback();

 private:
  OdbcConnection() = default;
  void* env_ = nullptr;  // SQLHENV
  void* dbc_ = nullptr;  // SQLHDBC
  bool connected_ = false;
};

class OdbcStatement {
 public:
  ~OdbcStatement();
  OdbcStatement(const OdbcStatement&) = delete;
  OdbcStatement& operator=(const OdbcStatement&) = delete;

  std::size_t parameter_count() const { return parameter_count_; }

  // Binds `params` as text (SQL_C_CHAR -> SQL_VARCHAR; nullopt binds NULL) and executes. The
  // strings must stay alive until the next execute or close; the statement keeps its own copies.
  // A database that will not compare a text parameter with a timestamp or integer column wants a
  // CAST(? AS ...) in the query: that is the operator's SQL, not a value.
  OdbcResult<bool> execute(const std::vector<Value>& params);

  // The result set's column names (after execute); empty for a statement without one.
  OdbcResult<std::vector<std::string>> columns();

  // The next row, every column as text (the driver's SQL_C_CHAR rendering, in the connection's
  // character set: bytes, not yet decoded), read with SQLGetData in chunks. nullopt at the end.
  // A value longer than `max_value_bytes` fails the fetch (a limit, not a truncation).
  OdbcResult<std::optional<Row>> fetch(std::size_t max_value_bytes);

  // Rows affected by the last execute (an UPDATE's count), -1 when the driver does not say.
  long long affected_rows();

  // Ends the result set so the statement can be executed again.
  void close_cursor();

 private:
  friend class OdbcConnection;
  OdbcStatement() = default;
  void* stmt_ = nullptr;  // SQLHSTMT
  std::size_t parameter_count_ = 0;
  std::size_t column_count_ = 0;
  std::vector<std::string> bound_;   // the parameters' bytes, alive while bound
  std::vector<long> bound_lengths_;  // SQLLEN indicators (long on 64-bit unixODBC)
};

}  // namespace medgw::dbpoll

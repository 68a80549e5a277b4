#pragma once
// A SQLite database file reached through libsqliteodbc, for the dbpoll tests.
#include <gtest/gtest.h>

#include <string>

#include "adapters/dbpoll/odbc.hpp"

namespace medgw::dbpoll::test {

// The driver by its odbcinst.ini name; Timeout: wait for the writer's lock instead of failing
// (the tests insert on one connection while the poller reads on another).
inline std::string sqlite_connection(const std::string& file) {
  return "Driver=SQLite3;Database=" + file + ";Timeout=5000;";
}

inline std::unique_ptr<OdbcConnection> connect_or_fail(const std::string& cs) {
  auto c = OdbcConnection::connect(cs, 5);
  if (!c) {
    ADD_FAILURE() << c.error().describe() << " (is libsqliteodbc installed? deploy/install-deps.sh)";
    return nullptr;
  }
  return std::move(*c);
}

// Runs `sql` with `params` bound; fails the test on an error.
inline void exec(OdbcConnection& c, const std::string& sql, const std::vector<Value>& params = {}) {
  auto s = c.prepare(sql, 10);
  ASSERT_TRUE(s) << s.error().describe();
  auto r = (*s)->execute(params);
  ASSERT_TRUE(r) << r.error().describe();
}

inline std::vector<Row> query_all(OdbcConnection& c, const std::string& sql, const std::vector<Value>& params = {}) {
  std::vector<Row> rows;
  auto s = c.prepare(sql, 10);
  EXPECT_TRUE(s) << s.error().describe();
  if (!s) return rows;
  auto r = (*s)->execute(params);
  EXPECT_TRUE(r) << r.error().describe();
  if (!r) return rows;
  for (;;) {
    auto row = (*s)->fetch(1 << 20);
    EXPECT_TRUE(row) << row.error().describe();
    if (!row || !*row) break;
    rows.push_back(std::move(**row));
  }
  return rows;
}

}  // namespace medgw::dbpoll::test

// The ODBC layer against a real driver (libsqliteodbc): bound parameters, NULL vs empty, values
// read in chunks, the value size limit, and the database's own error text.
#include "adapters/dbpoll/odbc.hpp"

#include <gtest/gtest.h>

#include "queue_test_support.hpp"
#include "sqlite_odbc_support.hpp"

namespace medgw::dbpoll {
namespace {

using queue::test::TempDir;
using test::connect_or_fail;
using test::exec;
using test::query_all;
using test::sqlite_connection;

class OdbcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = connect_or_fail(sqlite_connection(dir_.path() + ".db"));
    ASSERT_NE(conn_, nullptr);
    exec(*conn_, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT)");
  }
  TempDir dir_;
  std::unique_ptr<OdbcConnection> conn_;
};

TEST_F(OdbcTest, ParametersAreBoundNeverPasted) {
  const std::string hostile = "x'); DROP TABLE t; --";
  exec(*conn_, "INSERT INTO t (id, name, note) VALUES (?, ?, ?)", {"1", hostile, "a;b"});
  auto rows = query_all(*conn_, "SELECT name, note FROM t WHERE id = ?", {"1"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], hostile);
  EXPECT_EQ(rows[0][1], "a;b");
  // The table is still there and holds one row.
  EXPECT_EQ(query_all(*conn_, "SELECT count(*) FROM t").at(0).at(0), "1");
}

TEST_F(OdbcTest, NullIsNotEmpty) {
  exec(*conn_, "INSERT INTO t (id, name, note) VALUES (?, ?, ?)", {"1", std::string(), std::nullopt});
  auto rows = query_all(*conn_, "SELECT name, note FROM t");
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows[0][0].has_value());
  EXPECT_EQ(*rows[0][0], "");
  EXPECT_FALSE(rows[0][1].has_value());
  // A NULL parameter compares as NULL, not as ''.
  EXPECT_TRUE(query_all(*conn_, "SELECT id FROM t WHERE name = ?", {std::nullopt}).empty());
  EXPECT_EQ(query_all(*conn_, "SELECT id FROM t WHERE name = ?", {std::string()}).size(), 1u);
}

TEST_F(OdbcTest, LongValuesAreReadInChunksExactly) {
  std::string big;
  for (int i = 0; i < 100'000; ++i) big += static_cast<char>('a' + i % 26);
  big += "张三";  // multi-byte at the very end, across a chunk boundary's worth of data
  exec(*conn_, "INSERT INTO t (id, name) VALUES (?, ?)", {"1", big});
  auto rows = query_all(*conn_, "SELECT name FROM t");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], big);
}

TEST_F(OdbcTest, ValueLongerThanTheLimitFailsTheFetch) {
  exec(*conn_, "INSERT INTO t (id, name) VALUES (?, ?)", {"1", std::string(20'000, 'x')});
  auto s = conn_->prepare("SELECT name FROM t", 10);
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->execute({}));
  auto row = (*s)->fetch(10'000);
  ASSERT_FALSE(row);
  EXPECT_EQ(row.error().sqlstate, "22001");
  EXPECT_NE(row.error().message.find("max_value_bytes"), std::string::npos);
  // Exactly at the limit is fine.
  ASSERT_TRUE((*s)->execute({}));
  auto ok = (*s)->fetch(20'000);
  ASSERT_TRUE(ok && *ok);
  EXPECT_EQ((**ok)[0]->size(), 20'000u);
}

TEST_F(OdbcTest, ErrorsCarryTheDatabasesMessage) {
  auto s = conn_->prepare("SELECT * FROM no_such_table", 10);
  std::string text;
  if (!s) {
    text = s.error().describe();
  } else {
    auto r = (*s)->execute({});
    ASSERT_FALSE(r);
    text = r.error().describe();
  }
  EXPECT_NE(text.find("no such table"), std::string::npos) << text;
  EXPECT_NE(text.find("["), std::string::npos) << text;  // a SQLSTATE
}

TEST_F(OdbcTest, WrongParameterCountIsRefused) {
  auto s = conn_->prepare("SELECT id FROM t WHERE id = ?", 10);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->parameter_count(), 1u);
  auto r = (*s)->execute({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sqlstate, "07002");
}

TEST(OdbcConnect, UnknownDriverIsAnErrorWithItsSqlstate) {
  auto c = OdbcConnection::connect("Driver=medgw-no-such-driver;Database=x;PWD=secret", 1);
  ASSERT_FALSE(c);
  // unixODBC answers 01000 "Can't open lib" (IM002 when the name is not in odbcinst.ini at all).
  EXPECT_FALSE(c.error().sqlstate.empty());
  EXPECT_NE(c.error().message.find("medgw-no-such-driver"), std::string::npos) << c.error().describe();
  EXPECT_EQ(c.error().describe().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace medgw::dbpoll

// The poller against SQLite (libsqliteodbc) and a real RocksDB queue: rows inserted while polling,
// many sharing one timestamp, each stored exactly once; the watermark survives a restart; the
// write-back marks a status-flag table; a GBK column arrives as UTF-8; failures are reported with
// the database's message and polling recovers.
#include "adapters/dbpoll/db_poller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "queue_test_support.hpp"
#include "sqlite_odbc_support.hpp"

namespace medgw::dbpoll {
namespace {

using namespace std::chrono_literals;
using queue::test::MockClock;
using queue::test::open_or_fail;
using queue::test::TempDir;
using queue::test::test_options;
using test::connect_or_fail;
using test::exec;
using test::query_all;
using test::sqlite_connection;

constexpr const char* kWatermarkQuery =
    "SELECT row_id, updated_at, value FROM lab WHERE updated_at > ? OR (updated_at = ? AND row_id > ?) "
    "ORDER BY updated_at, row_id LIMIT CAST(? AS INTEGER)";

class DbPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_file_ = dir_.path() + ".db";
    conn_ = connect_or_fail(sqlite_connection(db_file_));
    ASSERT_NE(conn_, nullptr);
    exec(
        *conn_,
        "CREATE TABLE lab (row_id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, value TEXT, taken INTEGER DEFAULT 0)");
    queue_ = open_or_fail(test_options(dir_, clock_));
    ASSERT_NE(queue_, nullptr);
  }

  DbSourceConfig source(std::size_t batch_size = 5) const {
    DbSourceConfig c;
    c.name = "lis";
    c.connection_string = sqlite_connection(db_file_);
    c.query = kWatermarkQuery;
    c.params = {{Parameter::Kind::kWatermarkTimestamp, {}},
                {Parameter::Kind::kWatermarkTimestamp, {}},
                {Parameter::Kind::kWatermarkKey, {}},
                {Parameter::Kind::kBatchSize, {}}};
    c.timestamp_column = "updated_at";
    c.key_column = "row_id";
    c.initial_timestamp = "";
    c.batch_size = batch_size;
    c.poll_interval = 5ms;
    c.reconnect_base = 5ms;
    c.reconnect_max = 50ms;
    return c;
  }

  void insert(int id, const std::string& ts, const Value& value = std::string("v")) {
    exec(*conn_, "INSERT INTO lab (row_id, updated_at, value) VALUES (?, ?, ?)", {std::to_string(id), ts, value});
  }

  // Every envelope in the queue, as dedupe key -> count.
  std::map<std::string, int> stored() {
    std::map<std::string, int> keys;
    for (auto id : queue_->list(EnvelopeStatus::kReady, 1'000'000)) {
      auto e = queue_->get(id);
      EXPECT_TRUE(e);
      if (e) ++keys[e->dedupe_key];
    }
    return keys;
  }

  // Polls until a poll stores nothing; returns the rows stored.
  std::size_t drain(DbPoller& p) {
    std::size_t total = 0;
    for (int i = 0; i < 10'000; ++i) {
      auto n = p.poll_once();
      EXPECT_TRUE(n) << n.error();
      if (!n || *n == 0) break;
      total += *n;
    }
    return total;
  }

  TempDir dir_;
  MockClock clock_;
  std::string db_file_;
  std::unique_ptr<OdbcConnection> conn_;
  std::unique_ptr<queue::RocksDbQueue> queue_;
};

std::string ts_of(int group) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-05-01 08:%02d:%02d", group / 60, group % 60);
  return buf;
}

TEST_F(DbPollerTest, RowsInsertedWhilePollingSharingTimestampsAreStoredExactlyOnce) {
  constexpr int kRows = 600;
  constexpr int kPerTimestamp = 40;  // 15 timestamps, each shared by 40 rows; batches of 7 split them
  DbPoller poller(source(7), *queue_);
  ASSERT_FALSE(poller.start());
  std::thread writer([&] {
    auto w = connect_or_fail(sqlite_connection(db_file_));
    ASSERT_NE(w, nullptr);
    for (int i = 1; i <= kRows; ++i) {
      exec(*w, "INSERT INTO lab (row_id, updated_at, value) VALUES (?, ?, ?)",
           {std::to_string(i), ts_of(i / kPerTimestamp), "r" + std::to_string(i)});
      if (i % 13 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  writer.join();
  for (int i = 0; i < 2000 && poller.counters().rows.load() < kRows; ++i) std::this_thread::sleep_for(5ms);
  poller.stop();
  auto keys = stored();
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kRows));
  for (int i = 1; i <= kRows; ++i) {
    const std::string k = "dbpoll|lis|" + std::to_string(i) + "|" + ts_of(i / kPerTimestamp);
    EXPECT_EQ(keys[k], 1) << k;
  }
  EXPECT_EQ(poller.counters().duplicates.load(), 0u);
  EXPECT_EQ(poller.watermark(), (Watermark{ts_of(kRows / kPerTimestamp), std::to_string(kRows)}));
  EXPECT_EQ(queue_->checkpoint(checkpoint_name("lis")), encode_watermark(poller.watermark()));
}

TEST_F(DbPollerTest, WatermarkSurvivesARestart) {
  for (int i = 1; i <= 12; ++i) insert(i, ts_of(i / 5));
  {
    DbPoller p(source(5), *queue_);
    EXPECT_EQ(p.poll_once().value(), 5u);
    EXPECT_EQ(p.poll_once().value(), 5u);
  }
  queue_.reset();  // closes
  queue_ = open_or_fail(test_options(dir_, clock_));
  ASSERT_NE(queue_, nullptr);
  for (int i = 13; i <= 20; ++i) insert(i, ts_of(i / 5));
  DbPoller again(source(5), *queue_);
  EXPECT_EQ(drain(again), 10u);  // 11..20: nothing of the first 10 again
  auto keys = stored();
  EXPECT_EQ(keys.size(), 20u);
  for (const auto& [k, n] : keys) EXPECT_EQ(n, 1) << k;
  EXPECT_EQ(again.counters().duplicates.load(), 0u);
}

TEST_F(DbPollerTest, WriteBackMarksStatusFlagRowsAndReofferedRowsAreDuplicates) {
  for (int i = 1; i <= 6; ++i) insert(i, ts_of(0));
  DbSourceConfig c = source(4);
  c.query = "SELECT row_id, updated_at, value FROM lab WHERE taken = 0 ORDER BY updated_at, row_id";
  c.params.clear();
  c.has_write_back = true;
  c.write_back.statement = "UPDATE lab SET taken = 1 WHERE row_id = ?";
  c.write_back.params = {{Parameter::Kind::kColumn, "row_id"}};
  DbPoller p(c, *queue_);
  EXPECT_EQ(p.poll_once().value(), 4u);  // at most batch_size rows, though the query has no LIMIT
  EXPECT_EQ(p.poll_once().value(), 2u);
  EXPECT_EQ(p.poll_once().value(), 0u);
  EXPECT_EQ(p.counters().write_back_failures.load(), 0u);
  EXPECT_EQ(query_all(*conn_, "SELECT count(*) FROM lab WHERE taken = 1").at(0).at(0), "6");
  // The vendor offers two rows again (a write-back lost, say): stored once all the same.
  exec(*conn_, "UPDATE lab SET taken = 0 WHERE row_id IN (2, 5)");
  EXPECT_EQ(p.poll_once().value(), 2u);
  EXPECT_EQ(p.counters().duplicates.load(), 2u);
  EXPECT_EQ(stored().size(), 6u);
}

TEST_F(DbPollerTest, GbkColumnArrivesAsUtf8) {
  // "张三" and "血常规" as a GBK database returns them: bytes, not UTF-8.
  exec(*conn_, "INSERT INTO lab (row_id, updated_at, value) VALUES (1, 't1', CAST(X'D5C5C8FD' AS TEXT))");
  exec(*conn_, "INSERT INTO lab (row_id, updated_at, value) VALUES (2, 't2', CAST(X'D1AAB3A3B9E6' AS TEXT))");
  DbSourceConfig c = source(10);
  c.encoding = "GBK";
  DbPoller p(c, *queue_);
  EXPECT_EQ(p.poll_once().value(), 2u);
  std::vector<std::string> raws;
  for (auto id : queue_->list(EnvelopeStatus::kReady, 10)) raws.push_back(queue_->get(id)->raw);
  ASSERT_EQ(raws.size(), 2u);
  EXPECT_NE(raws[0].find(R"("value":"张三")"), std::string::npos) << raws[0];
  EXPECT_NE(raws[1].find(R"("value":"血常规")"), std::string::npos) << raws[1];
}

TEST_F(DbPollerTest, FailingQueryIsReportedWithTheDatabasesMessageAndPollingRecovers) {
  DbSourceConfig c = source(10);
  c.query =
      "SELECT row_id, updated_at, value FROM lab2 WHERE updated_at > ? OR (updated_at = ? AND row_id > ?) "
      "ORDER BY updated_at, row_id LIMIT CAST(? AS INTEGER)";
  DbPoller p(c, *queue_);
  auto r = p.poll_once();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no such table"), std::string::npos) << r.error();
  EXPECT_EQ(p.counters().errors.load(), 1u);
  exec(*conn_, "CREATE TABLE lab2 (row_id INTEGER, updated_at TEXT, value TEXT)");
  exec(*conn_, "INSERT INTO lab2 VALUES (1, 't', 'x')");
  EXPECT_EQ(p.poll_once().value(), 1u);  // reconnected and prepared again
  EXPECT_GE(p.counters().connects.load(), 2u);
}

TEST_F(DbPollerTest, UnreachableDatabaseIsRetriedAndNothingIsStored) {
  DbSourceConfig c = source(10);
  c.connection_string = "Driver=medgw-no-such-driver;Database=x;";
  c.password_env = "MEDGW_DBPOLL_TEST_PASSWORD";
  ::setenv("MEDGW_DBPOLL_TEST_PASSWORD", "s3cret;}", 1);
  auto resolved = resolve_connection_string(c);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(*resolved, "Driver=medgw-no-such-driver;Database=x;PWD={s3cret;}}};");
  DbPoller p(c, *queue_);
  ASSERT_FALSE(p.start());
  for (int i = 0; i < 400 && p.counters().errors.load() < 3; ++i) std::this_thread::sleep_for(5ms);
  p.stop();
  EXPECT_GE(p.counters().errors.load(), 3u);  // retried with backoff
  EXPECT_EQ(queue_->stats().appended, 0u);
  EXPECT_FALSE(queue_->checkpoint(checkpoint_name("lis")));
}

TEST_F(DbPollerTest, StopIsPromptWhileWaitingForTheNextPoll) {
  DbSourceConfig c = source(10);
  c.poll_interval = std::chrono::hours(1);
  DbPoller p(c, *queue_);
  ASSERT_FALSE(p.start());
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  p.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
}  // namespace medgw::dbpoll

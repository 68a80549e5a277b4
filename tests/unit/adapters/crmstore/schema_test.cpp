#include "adapters/crmstore/schema.hpp"

#include <gtest/gtest.h>

#include "crmstore_test_support.hpp"

namespace medgw::crmstore {
namespace {

class Schema : public testing::StoreTest {};

TEST_F(Schema, MigratesAnEmptyFile) {
  EXPECT_EQ(count("SELECT version FROM schema_version"), sqlite::latest_schema_version());
  for (const char* table : {"golden_patients", "source_records", "identifiers", "links", "merges", "merge_links",
                            "encounters", "orders", "reports", "observations", "observation_history", "documents",
                            "imaging_studies", "review_tasks", "outbox", "applied_envelopes"}) {
    EXPECT_EQ(count(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(count("SELECT count(*) FROM schema_version"), 1);
}

TEST_F(Schema, ReopeningDoesNotMigrateAgain) {
  reopen();
  reopen();
  EXPECT_EQ(count("SELECT count(*) FROM schema_version"), 1);
  EXPECT_EQ(count("SELECT version FROM schema_version"), sqlite::latest_schema_version());
}

TEST_F(Schema, NewerDatabaseIsRefusedClearly) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteCrmStore::open(path_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("newer"), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("999"), std::string::npos);
}

TEST_F(Schema, OpenCreatesParentDirectories) {
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(Schema, BusyDatabaseIsRetryableAndWritesNothing) {
  // Another writer (an operator's CLI, say) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto cs = testing::adt("HIS", testing::patient("HIS", {testing::mrn("M1")}));
  std::vector<ChangeItem> batch{{1, &cs}};
  auto r = store_->apply(batch);  // waits out busy_timeout (5 s), then gives up
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().retryable);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(count("SELECT count(*) FROM source_records"), 0);
  auto again = store_->apply(batch);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].status, ApplyStatus::kApplied);
}

}  // namespace
}  // namespace medgw::crmstore

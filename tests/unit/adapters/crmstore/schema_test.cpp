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

// A database written by the previous release (schema version 2): migration 3 adds versions and
// indexes what is already stored, from its JSON, as a new write would.
TEST_F(Schema, UpgradeFromVersion2BackfillsSearchIndexes) {
  auto record = testing::patient("HIS", {testing::mrn("M1")}, "Wang", "Wu");
  record.patient.name[0].text = "王五";
  ASSERT_EQ(apply_one(1, testing::adt("HIS", record)).status, ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, testing::oru("LIS", testing::patient("LIS", {testing::mrn("M1")}))).status,
            ApplyStatus::kApplied);
  const std::int64_t tokens = count("SELECT count(*) FROM resource_tokens");
  const std::int64_t names = count("SELECT count(*) FROM patient_names");
  ASSERT_GT(tokens, 0);
  ASSERT_GT(names, 0);
  const std::string all_tokens = text(
      "SELECT group_concat(t, ';') FROM (SELECT resource_type || resource_id || param || system || code AS t "
      "FROM resource_tokens ORDER BY t)");
  const std::string all_names =
      text("SELECT group_concat(t, ';') FROM (SELECT source_record_id || part AS t FROM patient_names ORDER BY t)");

  // Back to what version 2 had: no migration 3 (nor the later ones).
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string downgrade =
      "DROP TABLE resource_history; DROP TABLE resource_tokens; DROP TABLE patient_names; DROP TABLE audit_log; "
      "DROP INDEX source_records_birth_date; "
      "ALTER TABLE source_records DROP COLUMN version; ALTER TABLE source_records DROP COLUMN birth_date; "
      "ALTER TABLE source_records DROP COLUMN gender; ALTER TABLE source_records DROP COLUMN envelope_id; ";
  for (const char* table : {"encounters", "orders", "reports", "observations", "documents", "imaging_studies"}) {
    downgrade += std::string("ALTER TABLE ") + table + " DROP COLUMN version; ";
  }
  // ... nor the later ones (4: review_tasks.field_scores; 5: the patient index's operations log;
  // 6: blocking keys, comparison values and match models).
  downgrade += "DROP TABLE blocking_keys; DROP TABLE match_models; ALTER TABLE source_records DROP COLUMN match_features; ";
  downgrade += "DROP TABLE mpi_operations; DROP TABLE distinct_goldens; ALTER TABLE review_tasks DROP COLUMN field_scores; ";
  downgrade += "UPDATE schema_version SET version = 2;";
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, downgrade.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_close(db);
  ASSERT_EQ(count("SELECT version FROM schema_version"), 2);

  reopen();
  EXPECT_EQ(count("SELECT version FROM schema_version"), sqlite::latest_schema_version());
  EXPECT_EQ(count("SELECT count(*) FROM resource_tokens"), tokens);
  EXPECT_EQ(text("SELECT group_concat(t, ';') FROM (SELECT resource_type || resource_id || param || system || code "
                 "AS t FROM resource_tokens ORDER BY t)"),
            all_tokens);
  EXPECT_EQ(text("SELECT group_concat(t, ';') FROM (SELECT source_record_id || part AS t FROM patient_names "
                 "ORDER BY t)"),
            all_names);
  EXPECT_EQ(count("SELECT count(*) FROM patient_names WHERE part = '王五'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM patient_names WHERE part = 'wang'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM source_records WHERE birth_date = '1990-03-07' AND gender = 'male'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM resource_tokens WHERE resource_type = 'Observation' AND param = 'code' "
                  "AND code = '2345-7'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM observations WHERE version = 1"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM resource_history"), 0);

  // Writing on goes on from version 1.
  ASSERT_EQ(apply_one(3, testing::oru("LIS", testing::patient("LIS", {testing::mrn("M1")}), "9.90")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT version FROM observations"), 2);
  EXPECT_EQ(count("SELECT version FROM resource_history WHERE resource_type = 'Observation'"), 1);
}

}  // namespace
}  // namespace medgw::crmstore

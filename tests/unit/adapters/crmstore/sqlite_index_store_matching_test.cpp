// The CRM store's side of probabilistic matching: blocking keys and comparison values written with
// each source record, bounded candidate queries, stored model versions, review-task evidence.
#include <gtest/gtest.h>

#include "adapters/crmstore/sqlite_db.hpp"
#include "adapters/crmstore/sqlite_index_store.hpp"
#include "crmstore_test_support.hpp"
#include "mappings/mpi/match_model_json.hpp"

namespace medgw::crmstore {
namespace {

using testing::adt;
using testing::kLabPid;
using testing::mrn;
using testing::oru;
using testing::patient;

class IndexMatching : public testing::StoreTest {
 protected:
  static model::PatientRecord with_address(model::PatientRecord p, const std::string& street) {
    model::Address a;
    a.line = {street};
    a.city = "coolaroo";
    a.postal_code = "3465";
    p.patient.address = {a};
    return p;
  }
};

TEST_F(IndexMatching, BlockingKeysAndComparisonValuesAreWrittenAndReplacedWithTheRecord) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "Harrington", "Kayla"))).status,
            ApplyStatus::kApplied);
  EXPECT_GT(count("SELECT count(*) FROM blocking_keys"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blocking_keys WHERE key LIKE 'dob+name:%|ha'"), 1);
  EXPECT_EQ(mpi::decode_match_features(text("SELECT match_features FROM source_records"))[mpi::MatchField::kFamily],
            "harrington");
  // Renamed: the old keys go, the new ones come.
  ASSERT_EQ(apply_one(2, adt("HIS", patient("HIS", {mrn("M1")}, "Berry", "Kayla"), "ADT2")).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM blocking_keys WHERE key LIKE 'dob+name:%|ha'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blocking_keys WHERE key LIKE 'dob+name:%|be'"), 1);
  EXPECT_EQ(mpi::decode_match_features(text("SELECT match_features FROM source_records"))[mpi::MatchField::kFamily],
            "berry");
}

TEST_F(IndexMatching, ACandidateQueryIsBoundedAndReturnsTheOldestWithTheirGoldens) {
  for (int i = 0; i < 5; ++i) {
    // The same name and birthday under one authority, five MRNs: five people.
    ASSERT_EQ(apply_one(static_cast<std::uint64_t>(i + 1),
                        adt("HIS", patient("HIS", {mrn("M" + std::to_string(i))}), "ADT" + std::to_string(i)))
                  .status,
              ApplyStatus::kApplied);
  }
  const std::string key = text("SELECT key FROM blocking_keys WHERE key LIKE 'dob+name:%' LIMIT 1");
  ASSERT_FALSE(key.empty());
  store_.reset();
  auto db = sqlite::Db::open(path_);
  ASSERT_TRUE(db);
  sqlite::SqliteIndexStore index(**db);
  auto found = index.records_with_blocking_key(key, 3);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 3u);
  EXPECT_LT((*found)[0].record, (*found)[1].record);
  EXPECT_LT((*found)[1].record, (*found)[2].record);
  EXPECT_EQ((*found)[0].record, 1);
  EXPECT_GT((*found)[0].golden, 0);
  EXPECT_EQ(mpi::decode_match_features((*found)[0].match_features)[mpi::MatchField::kGiven], "三");
  auto none = index.records_with_blocking_key("dob+name:nobody", 3);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(IndexMatching, AStrongScoreLinksAcrossSendersWithoutASharedIdentifier) {
  ASSERT_EQ(apply_one(1, adt("HIS", with_address(patient("HIS", {mrn("M1")}), "12 maltby circuit"))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", with_address(patient("LIS", {mrn("L1", kLabPid)}), "12 maltby circiut"))).status,
            ApplyStatus::kApplied);
  EXPECT_EQ(count("SELECT count(*) FROM golden_patients"), 1);
  EXPECT_EQ(text("SELECT grade FROM links WHERE undone IS NULL ORDER BY id DESC"), "certain");
  EXPECT_NE(text("SELECT reason FROM links WHERE undone IS NULL ORDER BY id DESC").find("link threshold"),
            std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks"), 0);
}

TEST_F(IndexMatching, ReviewTasksNotFromScoringHaveNoFieldScores) {
  std::string id = testing::valid_national_id();
  id.back() = id.back() == '0' ? '1' : '0';
  auto bad = patient("HIS", {mrn("M1"), testing::national(id)});
  ASSERT_EQ(apply_one(1, adt("HIS", bad)).status, ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT count(*) FROM review_tasks WHERE kind = 'national-id-invalid'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE field_scores IS NULL"), 1);
}

TEST_F(IndexMatching, TheStoreUsesTheLatestStoredModelVersion) {
  EXPECT_EQ(store_->match_model().version, 0) << "built-in default on a new store";
  mpi::MatchModel m = mpi::default_match_model();
  m.link_threshold = 40.0;
  auto v1 = store_->save_match_model(m);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(*v1, 1);
  m.link_threshold = 45.0;
  auto v2 = store_->save_match_model(m);
  ASSERT_TRUE(v2);
  EXPECT_EQ(*v2, 2);
  EXPECT_EQ(store_->match_model().link_threshold, 45.0) << "used from the next batch on";
  reopen();
  EXPECT_EQ(store_->match_model().version, 2);
  EXPECT_EQ(store_->match_model().link_threshold, 45.0);
  // Every version stays, readable.
  auto stored = mpi::match_model_from_json(text("SELECT model FROM match_models WHERE version = 1"));
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_EQ(stored->link_threshold, 40.0);
  EXPECT_EQ(stored->version, 1);
}

TEST_F(IndexMatching, AModelThatDoesNotCheckIsNotStored) {
  mpi::MatchModel m = mpi::default_match_model();
  m.review_threshold = m.link_threshold + 1;
  auto r = store_->save_match_model(m);
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(count("SELECT count(*) FROM match_models"), 0);
}

TEST_F(IndexMatching, ABrokenStoredModelRefusesToOpen) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO match_models (version, created, model) VALUES (1, 'now', '{}')", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteCrmStore::open(path_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("match model version 1"), std::string::npos) << s.error();
}

TEST_F(IndexMatching, TrainingInputIsEveryRecordsComparisonValues) {
  ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1")}, "Harrington", "Kayla"))).status,
            ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, adt("HIS", patient("HIS", {mrn("M2")}, "Berry", "Lachlan"), "ADT2")).status,
            ApplyStatus::kApplied);
  auto features = store_->match_features_of_records();
  ASSERT_TRUE(features);
  ASSERT_EQ(features->size(), 2u);
  EXPECT_EQ((*features)[1][mpi::MatchField::kGiven], "lachlan");
  auto links = store_->source_record_links();
  ASSERT_TRUE(links);
  ASSERT_EQ(links->size(), 2u);
  EXPECT_EQ((*links)[0].key_value, "M1");
  EXPECT_EQ((*links)[0].grade, "new");
}

}  // namespace
}  // namespace medgw::crmstore

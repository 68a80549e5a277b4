#pragma once
// The archive reader's tests: a store filled through SqliteCrmStore::apply (v2-mapped change sets),
// plus rows written with SQL where a test needs exact values (dates, versions, history, search
// index rows), and an ArchiveReader on the same file.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <set>
#include <string>
#include <vector>

#include "adapters/crmstore/archive_reader.hpp"
#include "crmstore_test_support.hpp"

namespace medgw::crmstore::testing {

class ReaderTest : public StoreTest {
 protected:
  void TearDown() override {
    reader_.reset();
    StoreTest::TearDown();
  }

  ArchiveReader& reader(ArchiveReaderOptions options = {}) {
    if (!reader_) {
      auto r = ArchiveReader::open(path_, options);
      EXPECT_TRUE(r) << (r ? "" : r.error());
      if (r) reader_ = std::move(*r);
    }
    return *reader_;
  }

  // Runs SQL on the store's file, as another connection would.
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << "\n" << sql;
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::int64_t golden_of_record(std::int64_t record) {
    return count("SELECT golden_id FROM links WHERE undone IS NULL AND source_record_id = " + std::to_string(record));
  }

  // Search index rows as the writer keeps them (search_index.hpp); written here so the reader's
  // tests do not depend on the writer filling them. Duplicates are harmless to the reader.
  void token(const std::string& type, std::int64_t id, const std::string& param, const std::string& system,
             const std::string& code) {
    exec("INSERT INTO resource_tokens (resource_type, resource_id, param, system, code) VALUES ('" + type + "', " +
         std::to_string(id) + ", '" + param + "', '" + system + "', '" + code + "')");
  }
  void name_part(std::int64_t record, const std::string& part) {
    exec("INSERT INTO patient_names (source_record_id, part) SELECT " + std::to_string(record) + ", '" + part +
         "' WHERE NOT EXISTS (SELECT 1 FROM patient_names WHERE source_record_id = " + std::to_string(record) +
         " AND part = '" + part + "')");
  }
  void demographics(std::int64_t record, const std::string& birth_date, const std::string& gender) {
    exec("UPDATE source_records SET birth_date = '" + birth_date + "', gender = '" + gender +
         "' WHERE id = " + std::to_string(record));
  }

  // A row of `table` written directly; returns its id.
  std::int64_t insert_row(const std::string& table, const std::string& type, std::int64_t record,
                          const std::string& effective, const std::string& status = "final",
                          const std::string& extra_json = "") {
    static int n = 0;
    const std::string key = "K" + std::to_string(++n);
    const std::int64_t golden = golden_of_record(record);
    std::string json = "{\"resourceType\":\"" + type + "\",\"status\":\"" + status +
                       "\",\"subject\":{\"reference\":\"Patient/" + std::to_string(golden) + "\"}";
    if (!effective.empty()) json += ",\"effectiveDateTime\":\"" + effective + "\"";
    json += extra_json + "}";
    exec("INSERT INTO " + table +
         " (sender, key, source_record_id, golden_id, status, code_system, code, effective, resource, envelope_id, "
         "updated) VALUES ('TEST', '" +
         key + "', " + std::to_string(record) + ", " + std::to_string(golden) + ", '" + status + "', '', '', '" +
         effective + "', '" + json + "', 0, '2026-11-23T00:00:00.000Z')");
    return count("SELECT id FROM " + table + " WHERE sender = 'TEST' AND key = '" + key + "'");
  }

  static rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    return d;
  }

  static std::vector<std::string> ids(const std::vector<StoredResource>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(r.id);
    return out;
  }

  std::unique_ptr<ArchiveReader> reader_;
};

inline SearchParam param(std::string name, std::vector<std::string> values, std::string modifier = "") {
  return SearchParam{std::move(name), std::move(modifier), std::move(values)};
}

inline SearchQuery query(std::string type, std::vector<SearchParam> params) {
  SearchQuery q;
  q.type = std::move(type);
  q.params = std::move(params);
  return q;
}

}  // namespace medgw::crmstore::testing

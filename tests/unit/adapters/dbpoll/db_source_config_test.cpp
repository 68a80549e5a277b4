// The db_sources: section of the gateway config: every key read, unknown keys and bad values
// refused with the key named.
#include <gtest/gtest.h>

#include "gateway/config/config.hpp"

namespace medgw::config {
namespace {

const char* kSource = R"(
db_sources:
  - name: lis
    connection: "Driver=PostgreSQL ANSI;Server=127.0.0.1;Database=lis;UID=medgw"
    password_env: MEDGW_TEST_LIS_PASSWORD
    query: "SELECT * FROM r WHERE ts > ? OR (ts = ? AND id > ?) ORDER BY ts, id LIMIT ?"
    params: [watermark_timestamp, watermark_timestamp, watermark_key, batch_size]
    timestamp_column: ts
    key_column: id
    ordering_column: patient_id
    initial_watermark: {timestamp: "2024-01-01 00:00:00", key: "0"}
    poll_interval_ms: 250
    batch_size: 100
    encoding: GBK
    max_value_bytes: 1048576
    login_timeout_s: 3
    query_timeout_s: 20
    reconnect_base_ms: 100
    reconnect_max_ms: 5000
    write_back:
      statement: "UPDATE r SET taken = 1 WHERE id = ?"
      params: [column:id]
)";

TEST(DbSourceConfig, EveryKeyIsRead) {
  auto c = parse_config(kSource);
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->db_sources.size(), 1u);
  const auto& s = c->db_sources[0];
  EXPECT_EQ(s.name, "lis");
  EXPECT_EQ(s.password_env, "MEDGW_TEST_LIS_PASSWORD");
  ASSERT_EQ(s.params.size(), 4u);
  EXPECT_EQ(s.params[2].kind, dbpoll::Parameter::Kind::kWatermarkKey);
  EXPECT_EQ(s.params[3].kind, dbpoll::Parameter::Kind::kBatchSize);
  EXPECT_EQ(s.ordering_column, "patient_id");
  EXPECT_EQ(s.initial_timestamp, "2024-01-01 00:00:00");
  EXPECT_EQ(s.poll_interval.count(), 250);
  EXPECT_EQ(s.batch_size, 100u);
  EXPECT_EQ(s.encoding, "GBK");
  EXPECT_EQ(s.max_value_bytes, 1048576u);
  EXPECT_EQ(s.query_timeout_s, 20u);
  EXPECT_EQ(s.reconnect_max.count(), 5000);
  ASSERT_TRUE(s.has_write_back);
  ASSERT_EQ(s.write_back.params.size(), 1u);
  EXPECT_EQ(s.write_back.params[0].kind, dbpoll::Parameter::Kind::kColumn);
  EXPECT_EQ(s.write_back.params[0].column, "id");
}

std::string error_of(const std::string& yaml) {
  auto c = parse_config(yaml);
  return c ? std::string("accepted") : c.error();
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kSource;
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(DbSourceConfig, RefusalsNameTheKey) {
  EXPECT_NE(error_of(with("    batch_size: 100\n", "    batch_size: 100\n    batch: 3\n"))
                .find("db_sources[0].batch: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(with("encoding: GBK", "encoding: KLINGON")).find("db_sources[0].encoding"), std::string::npos);
  EXPECT_NE(error_of(with("watermark_key, batch_size]", "watermark_key, limit]")).find("db_sources[0].params[3]"),
            std::string::npos);
  // column: values only make sense for a write-back.
  EXPECT_NE(error_of(with("watermark_key, batch_size]", "watermark_key, column:id]")).find("db_sources[0].params[3]"),
            std::string::npos);
  EXPECT_NE(error_of(with("    key_column: id\n", "")).find("db_sources[0].key_column: required"), std::string::npos);
  EXPECT_NE(error_of(with("UID=medgw", "UID=medgw;PWD=inline")).find("db_sources[0].connection"), std::string::npos);
  EXPECT_NE(error_of(with("batch_size: 100", "batch_size: 0")).find("db_sources[0].batch_size"), std::string::npos);
  EXPECT_NE(error_of(with("      statement: \"UPDATE r SET taken = 1 WHERE id = ?\"\n", ""))
                .find("db_sources[0].write_back.statement: required"),
            std::string::npos);
  EXPECT_NE(error_of(with("password_env: MEDGW_TEST_LIS_PASSWORD", "password_file: /nonexistent/pw"))
                .find("db_sources[0].password_file"),
            std::string::npos);
  std::string two = kSource;
  two += two.substr(two.find("  - name: lis"));
  EXPECT_NE(error_of(two).find("db_sources[1].name: 'lis' is used"), std::string::npos);
}

}  // namespace
}  // namespace medgw::config

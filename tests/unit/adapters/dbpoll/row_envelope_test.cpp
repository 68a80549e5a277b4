#include "adapters/dbpoll/row_envelope.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace medgw::dbpoll {
namespace {

hl7v2::Charset charset(const char* name) {
  return *hl7v2::find_charset(name);
}

TEST(RowEnvelope, ColumnsInOrderNullKeptGbkDecoded) {
  auto gbk = charset("GBK");
  auto layout = find_layout({"ROW_ID", "updated_at", "name", "note"}, gbk, "UPDATED_AT", "row_id", "");
  ASSERT_TRUE(layout) << layout.error();
  // "张三" in GBK: D5C5 C8FD.
  Row row{"17", "2024-05-01 08:00:00", std::string("\xD5\xC5\xC8\xFD"), std::nullopt};
  auto e = row_envelope("lis", *layout, row, gbk, 1234);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->content_type, kContentTypeDbRow);
  EXPECT_EQ(
      e->raw,
      R"({"source":"lis","columns":{"ROW_ID":"17","updated_at":"2024-05-01 08:00:00","name":"张三","note":null}})");
  EXPECT_EQ(e->dedupe_key, "dbpoll|lis|17|2024-05-01 08:00:00");
  EXPECT_EQ(e->ordering_key, "dbpoll|lis|17");
  EXPECT_EQ(e->received_at_ms, 1234);
}

TEST(RowEnvelope, UndecodableValueKeptAsBase64) {
  auto utf8 = charset("UTF-8");
  auto layout = find_layout({"id", "ts", "name"}, utf8, "ts", "id", "");
  ASSERT_TRUE(layout);
  auto e = row_envelope("his", *layout, Row{"1", "t", std::string("\xD5\xC5")}, utf8, 0);
  ASSERT_TRUE(e);
  rapidjson::Document d;
  d.Parse(e->raw.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["columns"]["name"]["undecodable_base64"].GetString(), "1cU=");
}

TEST(RowEnvelope, OrderingColumnGroupsAPatientsRows) {
  auto utf8 = charset("UTF-8");
  auto layout = find_layout({"id", "ts", "patient_id"}, utf8, "ts", "id", "patient_id");
  ASSERT_TRUE(layout);
  auto e = row_envelope("his", *layout, Row{"1", "t", "P9"}, utf8, 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->ordering_key, "dbpoll|his|P9");
}

TEST(RowEnvelope, LayoutErrorsNameTheColumn) {
  auto utf8 = charset("UTF-8");
  auto missing = find_layout({"id", "ts"}, utf8, "updated_at", "id", "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("'updated_at' (timestamp_column)"), std::string::npos);
  auto twice = find_layout({"id", "ID", "ts"}, utf8, "ts", "id", "");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("two columns"), std::string::npos);
  auto no_order = find_layout({"id", "ts"}, utf8, "ts", "id", "pid");
  ASSERT_FALSE(no_order);
}

TEST(RowEnvelope, NullWatermarkColumnIsRefused) {
  auto utf8 = charset("UTF-8");
  auto layout = find_layout({"id", "ts"}, utf8, "ts", "id", "");
  ASSERT_TRUE(layout);
  EXPECT_FALSE(row_envelope("s", *layout, Row{"1", std::nullopt}, utf8, 0));
  EXPECT_FALSE(row_envelope("s", *layout, Row{std::nullopt, "t"}, utf8, 0));
}

TEST(Watermark, RoundTripsIncludingBytesThatAreNotUtf8) {
  Watermark a{"2024-05-01 08:00:00.123456", "42"};
  EXPECT_EQ(encode_watermark(a), R"({"timestamp":"2024-05-01 08:00:00.123456","key":"42"})");
  EXPECT_EQ(decode_watermark(encode_watermark(a)), a);
  Watermark b{"t", std::string("\xD5\xC5\"")};
  auto text = encode_watermark(b);
  EXPECT_NE(text.find("key_hex"), std::string::npos);
  EXPECT_EQ(decode_watermark(text), b);
  EXPECT_FALSE(decode_watermark("{"));
  EXPECT_FALSE(decode_watermark(R"({"timestamp":"x"})"));
}

}  // namespace
}  // namespace medgw::dbpoll

#pragma once
// A polled row as the queue stores it: JSON of the column names and values, decoded to UTF-8 from
// the source's encoding, plus the keys that make a re-read row a duplicate and keep a patient's
// rows in order. Pure (no I/O): the poller and the tests build envelopes with the same code.
//
// Raw (content type kContentTypeDbRow):
//   {"source":"lis","columns":{"row_id":"17","updated_at":"2024-05-01 08:00:00","name":"张三","note":null}}
// Every value is text as the driver rendered it (SQL_C_CHAR) or null; columns keep the query's
// order. A value that is not valid in the source's encoding is kept byte for byte instead, as
// {"undecodable_base64":"..."}, so nothing is lost and the mapping can park the row with a reason.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/dbpoll/odbc.hpp"
#include "gateway/core/envelope.hpp"
#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/charset.hpp"

namespace medgw::dbpoll {

// The position of the watermark (and ordering) columns in a result set, found once per execute.
struct RowLayout {
  std::vector<std::string> names;  // decoded to UTF-8
  std::size_t timestamp = 0;
  std::size_t key = 0;
  std::optional<std::size_t> ordering;
};

// Finds the configured columns among `raw_names` (as the driver returned them, in `charset`).
// Errors name what is missing or repeated; names are compared case-insensitively (databases fold
// unquoted names: PostgreSQL to lower case, Oracle to upper case).
Expected<RowLayout, std::string> find_layout(const std::vector<std::string>& raw_names, const hl7v2::Charset& charset,
                                             const std::string& timestamp_column, const std::string& key_column,
                                             const std::string& ordering_column);

// The envelope of one row (id and received_at set by the caller/queue). Dedupe key:
// "dbpoll|<source>|<key>|<timestamp>", so the same version of a row read again is a duplicate and
// an updated row (a new timestamp) is a new envelope. Ordering key: "dbpoll|<source>|<ordering
// value>" (or the row key when no ordering column is configured: rows then flow independently).
// Fails when the key or timestamp is NULL (no watermark can cover the row).
Expected<Envelope, std::string> row_envelope(const std::string& source, const RowLayout& layout, const Row& row,
                                             const hl7v2::Charset& charset, std::int64_t now_ms);

// The watermark (timestamp, key) as stored in the queue's checkpoint: the values' bytes as the
// database returned them, since they are bound back into the query as they are.
struct Watermark {
  std::string timestamp;
  std::string key;
  bool operator==(const Watermark&) const = default;
};

// JSON, {"timestamp":"...","key":"..."}; a value that is not UTF-8 is written as "<name>_hex".
std::string encode_watermark(const Watermark& w);
std::optional<Watermark> decode_watermark(std::string_view text);

}  // namespace medgw::dbpoll

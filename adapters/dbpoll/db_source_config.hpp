#pragma once
// One polled database source (config `db_sources:`, read in gateway/config). The poller reads
// new rows with the operator's parameterised query, after a watermark of (timestamp, key), and
// stores each row as an envelope together with the new watermark in one synced queue write.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace medgw::dbpoll {

// What a `?` of the query (or of the write-back) is bound to, in marker order.
//   watermark_timestamp / watermark_key: the watermark the previous poll ended at;
//   batch_size: the configured batch size (for a LIMIT ? / FETCH FIRST ? ROWS ONLY / TOP (?));
//   column:NAME (write-back only): that column's value in the row just taken.
struct Parameter {
  enum class Kind { kWatermarkTimestamp, kWatermarkKey, kBatchSize, kColumn };
  Kind kind = Kind::kWatermarkTimestamp;
  std::string column;  // kColumn
};

struct WriteBackConfig {
  std::string statement;  // "UPDATE lab_results SET taken = 1 WHERE row_id = ?"
  std::vector<Parameter> params;
};

struct DbSourceConfig {
  std::string name;               // names the source in the queue, the logs and the checkpoint
  std::string connection_string;  // ODBC: "Driver=PostgreSQL ANSI;Server=...;Database=...;UID=..."
  // The password, kept out of the config file and of every log: read from a file (first line) or
  // an environment variable at start, and appended to the connection string as PWD={...}.
  std::string password_file;
  std::string password_env;
  std::string query;  // the operator's SELECT, with `?` markers bound per `params`
  std::vector<Parameter> params;
  std::string timestamp_column;  // the watermark's columns, as the query names them
  std::string key_column;
  std::string ordering_column;  // optional: rows with the same value stay in order (a patient id)
  // The watermark before the first poll (no checkpoint stored yet).
  std::string initial_timestamp = "1900-01-01 00:00:00";
  std::string initial_key = "0";
  std::chrono::milliseconds poll_interval{5'000};
  std::size_t batch_size = 500;            // rows per poll (and per synced queue write), at most
  std::string encoding = "UTF-8";          // the text columns' character set (GBK, GB18030...)
  std::size_t max_value_bytes = 16 << 20;  // one column's value, at most
  unsigned login_timeout_s = 10;
  unsigned query_timeout_s = 60;
  std::chrono::milliseconds reconnect_base{500};
  std::chrono::milliseconds reconnect_max{60'000};
  bool has_write_back = false;
  WriteBackConfig write_back;
};

}  // namespace medgw::dbpoll

#pragma once
// A polled row as the queue stores it (adapters/dbpoll/row_envelope.hpp writes it):
//   {"source":"lis","columns":{"row_id":"17","name":"张三","note":null,"x":{"undecodable_base64":"..."}}}
// read back for the row mapping. Kept here, not included from the adapter: mappings know no
// adapter, and the JSON is the contract between the two.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::sql {

struct DbValue {
  enum class State { kNull, kText, kUndecodable };
  State state = State::kNull;
  std::string text;  // kText: UTF-8
};

struct DbRow {
  std::string source;
  std::vector<std::pair<std::string, DbValue>> columns;  // in the query's order

  // The column named `name`, compared case-insensitively (ASCII); nullptr when the row has none.
  const DbValue* find(std::string_view name) const;
};

// The error says what is wrong with the JSON, never its content.
Expected<DbRow, std::string> parse_db_row(std::string_view json);

}  // namespace medgw::sql

#include "mappings/sql/db_row.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

namespace medgw::sql {

const DbValue* DbRow::find(std::string_view name) const {
  for (const auto& [column, value] : columns) {
    if (column.size() == name.size() && std::equal(column.begin(), column.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return &value;
    }
  }
  return nullptr;
}

Expected<DbRow, std::string> parse_db_row(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return unexpected(std::string("the row is not a JSON object"));
  DbRow row;
  if (auto s = d.FindMember("source"); s != d.MemberEnd() && s->value.IsString()) {
    row.source.assign(s->value.GetString(), s->value.GetStringLength());
  }
  const auto cols = d.FindMember("columns");
  if (cols == d.MemberEnd() || !cols->value.IsObject())
    return unexpected(std::string("the row has no \"columns\" object"));
  for (const auto& m : cols->value.GetObject()) {
    DbValue v;
    if (m.value.IsString()) {
      v.state = DbValue::State::kText;
      v.text.assign(m.value.GetString(), m.value.GetStringLength());
    } else if (m.value.IsObject() && m.value.HasMember("undecodable_base64")) {
      v.state = DbValue::State::kUndecodable;
    } else if (!m.value.IsNull()) {
      return unexpected("column '" + std::string(m.name.GetString(), m.name.GetStringLength()) +
                        "' is neither text, null nor undecodable bytes");
    }
    row.columns.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()), std::move(v));
  }
  return row;
}

}  // namespace medgw::sql

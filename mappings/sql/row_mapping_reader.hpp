#pragma once
// Reads the site file's `db_rows:` section (a mapping of database source name to its row mapping,
// row_mapping.hpp) as the site loader reads the rest: unknown and duplicate keys, wrong types,
// unknown codes are errors naming the key and its line. Never throws.
#include <yaml-cpp/yaml.h>

#include <string>

#include "gateway/core/expected.hpp"
#include "mappings/sql/row_mapping.hpp"

namespace medgw::sql {

struct RowMappingIssue {
  int line = -1;      // 1-based, -1 when unknown
  std::string where;  // "db_rows.lis.report.key"
  std::string why;
};

Expected<RowMappings, RowMappingIssue> read_row_mappings(const YAML::Node& db_rows);

}  // namespace medgw::sql

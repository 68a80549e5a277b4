#pragma once
// Reads a site's code map: a CSV file (RFC 4180: comma-separated, fields optionally in double
// quotes with "" for a quote, CRLF or LF, UTF-8 with or without a BOM) whose first line is exactly
//   source_system,source_code,target_system,target_code,target_display
// One row maps one local code (lab code "GLU" of the LIS) to one standard code (LOINC 2345-7).
// Hospital IT edits these in a spreadsheet, so errors name the file and line.
#include <cstddef>
#include <string>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::sites {

struct CodeMapRow {
  std::size_t line = 0;
  std::string source_system;  // may be empty: codes the sender sends without a coding system
  std::string source_code;
  std::string target_system;
  std::string target_code;
  std::string target_display;
};

// Rows in file order. Errors: "<path>:<line>: <why>" (missing file, wrong header, wrong number of
// fields, empty source_code/target_system/target_code, a target_system that is not a URI, an
// unterminated quote).
Expected<std::vector<CodeMapRow>, std::string> read_code_map_csv(const std::string& path);

// The same over text already read; `name` stands for the path in messages.
Expected<std::vector<CodeMapRow>, std::string> parse_code_map_csv(const std::string& text, const std::string& name);

}  // namespace medgw::sites

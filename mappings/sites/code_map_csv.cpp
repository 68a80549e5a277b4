#include "mappings/sites/code_map_csv.hpp"

#include <fstream>
#include <sstream>

namespace medgw::sites {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits one record starting at `pos` into fields; advances `pos` past its line end and `line`
// past every line it spans (a quoted field may hold a newline). false with `error` on a bad quote.
bool read_record(const std::string& text, std::size_t& pos, std::size_t& line, std::vector<std::string>& fields,
                 std::string& error) {
  fields.assign(1, std::string());
  bool quoted_field = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"' && trim(fields.back()).empty() && !quoted_field) {
      // A quoted field: read to the closing quote, "" being a quote.
      fields.back().clear();
      quoted_field = true;
      ++pos;
      while (true) {
        if (pos >= text.size()) {
          error = "unterminated quoted field";
          return false;
        }
        if (text[pos] == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            fields.back() += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        if (text[pos] == '\n') ++line;
        fields.back() += text[pos++];
      }
      continue;
    }
    if (c == ',') {
      fields.emplace_back();
      quoted_field = false;
      ++pos;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      ++line;
      return true;
    }
    if (quoted_field) {
      if (c != ' ' && c != '\t') {
        error = "text after a closing quote";
        return false;
      }
      ++pos;
      continue;
    }
    fields.back() += c;
    ++pos;
  }
  ++line;
  return true;
}

}  // namespace

Expected<std::vector<CodeMapRow>, std::string> parse_code_map_csv(const std::string& input, const std::string& name) {
  const std::string_view bom = "\xEF\xBB\xBF";
  const std::string text = input.compare(0, bom.size(), bom) == 0 ? input.substr(bom.size()) : input;
  std::vector<CodeMapRow> rows;
  std::size_t pos = 0;
  std::size_t line = 1;
  bool header_seen = false;
  std::vector<std::string> fields;
  std::string error;
  while (pos < text.size()) {
    const std::size_t record_line = line;
    if (!read_record(text, pos, line, fields, error)) {
      return unexpected(name + ":" + std::to_string(record_line) + ": " + error);
    }
    for (auto& f : fields) f = trim(f);
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    const auto fail = [&](const std::string& why) {
      return unexpected(name + ":" + std::to_string(record_line) + ": " + why);
    };
    if (!header_seen) {
      const std::vector<std::string> expected = {"source_system", "source_code", "target_system", "target_code",
                                                 "target_display"};
      if (fields != expected) {
        return fail("the first line must be source_system,source_code,target_system,target_code,target_display");
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != 5) {
      return fail("expected 5 fields, found " + std::to_string(fields.size()));
    }
    CodeMapRow r{record_line, fields[0], fields[1], fields[2], fields[3], fields[4]};
    if (r.source_code.empty()) return fail("source_code is empty");
    if (r.target_system.empty()) return fail("target_system is empty");
    if (r.target_system.find(':') == std::string::npos || r.target_system.find(' ') != std::string::npos) {
      return fail("target_system '" + r.target_system + "' is not a URI (http://loinc.org, urn:oid:...)");
    }
    if (r.target_code.empty()) return fail("target_code is empty");
    rows.push_back(std::move(r));
  }
  if (!header_seen) return unexpected(name + ":1: empty file (expected the header line)");
  return rows;
}

Expected<std::vector<CodeMapRow>, std::string> read_code_map_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read code map '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_code_map_csv(ss.str(), path);
}

}  // namespace medgw::sites

#include "mappings/sql/row_mapping_reader.hpp"

#include <set>
#include <stdexcept>

#include "mappings/v2/vocabulary.hpp"

namespace medgw::sql {
namespace {

// Config time: exceptions inside this file, a value at the boundary (as in mappings/sites).
struct Failure : std::runtime_error {
  Failure(RowMappingIssue i) : std::runtime_error(i.why), issue(std::move(i)) {}
  RowMappingIssue issue;
};

[[noreturn]] void fail(const YAML::Node& at, const std::string& where, const std::string& why) {
  const int line = at.IsDefined() && at.Mark().line >= 0 ? at.Mark().line + 1 : -1;
  throw Failure(RowMappingIssue{line, where, why});
}

std::string path_of(const std::string& where, const std::string& key) {
  return where + "." + key;
}

void check_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) fail(node, where, "expected a mapping");
  std::set<std::string> seen;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(kv.first, path_of(where, key), "unknown key (allowed here: " + list + ")");
    }
    if (!seen.insert(key).second) fail(kv.first, path_of(where, key), "appears twice");
  }
}

std::string text(const YAML::Node& node, const std::string& where, const std::string& key, bool required) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) {
    if (required) fail(node, path_of(where, key), "required");
    return {};
  }
  if (!v.IsScalar()) fail(v, path_of(where, key), "expected text");
  if (required && v.Scalar().empty()) fail(v, path_of(where, key), "must not be empty");
  return v.Scalar();
}

// A value map (`sex_map`, `status_map`, `flag_map`): value as stored -> a code `valid` accepts.
template <class Valid>
std::map<std::string, std::string> value_map(const YAML::Node& node, const std::string& where, const std::string& key,
                                             Valid valid, const std::string& expected) {
  std::map<std::string, std::string> out;
  const YAML::Node m = node[key];
  if (!m || m.IsNull()) return out;
  const std::string at = path_of(where, key);
  if (!m.IsMap()) fail(m, at, "expected a mapping of the value as stored to " + expected);
  for (const auto& kv : m) {
    const std::string from = kv.first.Scalar();
    if (!kv.second.IsScalar() || !valid(kv.second.Scalar())) fail(kv.second, path_of(at, from), "must be " + expected);
    if (!out.emplace(from, kv.second.Scalar()).second) fail(kv.first, path_of(at, from), "appears twice");
  }
  return out;
}

bool is_gender(const std::string& s) {
  return s == "male" || s == "female" || s == "other" || s == "unknown";
}

bool is_report_status(const std::string& s) {
  static const std::set<std::string> kCodes{"registered",       "partial",   "preliminary", "final",
                                            "amended",          "corrected", "appended",    "cancelled",
                                            "entered-in-error", "unknown"};
  return kCodes.count(s) > 0;
}

bool is_flag(const std::string& s) {
  return !v2::vocab::interpretation(s).empty();
}

// "+08:00", "-05:30", "Z".
bool is_zone(const std::string& z) {
  if (z == "Z") return true;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return z.size() == 6 && (z[0] == '+' || z[0] == '-') && digit(z[1]) && digit(z[2]) && z[3] == ':' && digit(z[4]) &&
         digit(z[5]) && (z[1] - '0') * 10 + (z[2] - '0') <= 14 && (z[4] - '0') < 6;
}

RowMapping read_one(const std::string& source, const YAML::Node& n, const std::string& where) {
  check_keys(n, where, {"sender", "timezone", "patient", "visit", "report", "observation"});
  RowMapping m;
  m.source = source;
  m.sender = text(n, where, "sender", true);
  if (m.sender.find('^') == std::string::npos) {
    fail(n["sender"], path_of(where, "sender"), "expected \"APP^FACILITY\", as a sources entry's sender");
  }
  m.timezone = text(n, where, "timezone", true);
  if (!is_zone(m.timezone)) fail(n["timezone"], path_of(where, "timezone"), "expected a UTC offset (+08:00) or Z");

  const std::string pw = path_of(where, "patient");
  const YAML::Node p = n["patient"];
  if (!p) fail(n, pw, "required (at least patient.identifiers)");
  check_keys(p, pw, {"identifiers", "name", "sex", "sex_map", "birth_date"});
  const YAML::Node ids = p["identifiers"];
  const std::string iw = path_of(pw, "identifiers");
  if (!ids || !ids.IsSequence() || ids.size() == 0) fail(ids ? ids : p, iw, "expected a list of {column, assigner}");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string w = iw + "[" + std::to_string(i) + "]";
    check_keys(ids[i], w, {"column", "assigner"});
    m.patient.identifiers.push_back({text(ids[i], w, "column", true), text(ids[i], w, "assigner", false)});
  }
  m.patient.name = text(p, pw, "name", false);
  m.patient.sex = text(p, pw, "sex", false);
  m.patient.sex_map = value_map(p, pw, "sex_map", is_gender, "one of male, female, other, unknown");
  m.patient.birth_date = text(p, pw, "birth_date", false);

  if (const YAML::Node v = n["visit"]) {
    const std::string vw = path_of(where, "visit");
    check_keys(v, vw, {"number", "class"});
    m.visit.number = text(v, vw, "number", true);
    m.visit.patient_class = text(v, vw, "class", false);
  }

  const std::string rw = path_of(where, "report");
  const YAML::Node r = n["report"];
  if (!r) fail(n, rw, "required (at least report.key)");
  check_keys(r, rw, {"key", "code", "name", "time", "issued", "status", "status_map", "default_status", "category"});
  m.report.key = text(r, rw, "key", true);
  m.report.code = text(r, rw, "code", false);
  m.report.name = text(r, rw, "name", false);
  m.report.time = text(r, rw, "time", false);
  m.report.issued = text(r, rw, "issued", false);
  m.report.status = text(r, rw, "status", false);
  m.report.status_map = value_map(r, rw, "status_map", is_report_status, "a DiagnosticReport status (final, ...)");
  if (r["default_status"]) {
    m.report.default_status = text(r, rw, "default_status", true);
    if (!is_report_status(m.report.default_status)) {
      fail(r["default_status"], path_of(rw, "default_status"), "must be a DiagnosticReport status (final, ...)");
    }
  }
  if (r["category"]) {
    m.report.category = text(r, rw, "category", true);
    if (!v2::vocab::is_service_section(m.report.category)) {
      fail(r["category"], path_of(rw, "category"), "must be a table 0074 code (LAB, RAD, ...)");
    }
  }

  const std::string ow = path_of(where, "observation");
  const YAML::Node o = n["observation"];
  if (!o) fail(n, ow, "required (at least observation.code)");
  check_keys(o, ow,
             {"code", "name", "value", "unit", "reference_range", "abnormal_flag", "flag_map", "time", "status"});
  m.observation.code = text(o, ow, "code", true);
  m.observation.name = text(o, ow, "name", false);
  m.observation.value = text(o, ow, "value", false);
  m.observation.unit = text(o, ow, "unit", false);
  m.observation.reference_range = text(o, ow, "reference_range", false);
  m.observation.abnormal_flag = text(o, ow, "abnormal_flag", false);
  m.observation.flag_map = value_map(o, ow, "flag_map", is_flag, "a table 0078 code (H, L, N, A, ...)");
  m.observation.time = text(o, ow, "time", false);
  m.observation.status = text(o, ow, "status", false);
  return m;
}

}  // namespace

Expected<RowMappings, RowMappingIssue> read_row_mappings(const YAML::Node& db_rows) {
  try {
    if (!db_rows.IsMap()) fail(db_rows, "db_rows", "expected a mapping of database source name to its row mapping");
    RowMappings out;
    for (const auto& kv : db_rows) {
      const std::string source = kv.first.Scalar();
      const std::string where = "db_rows." + source;
      if (source.empty()) fail(kv.first, "db_rows", "a source name must not be empty");
      if (out.count(source)) fail(kv.first, where, "appears twice");
      out.emplace(source, read_one(source, kv.second, where));
    }
    return out;
  } catch (const Failure& f) {
    return unexpected(f.issue);
  } catch (const YAML::Exception& e) {
    return unexpected(RowMappingIssue{e.mark.line >= 0 ? e.mark.line + 1 : -1, "db_rows", e.what()});
  }
}

}  // namespace medgw::sql

// ArchiveReader::search: a SearchQuery (search_query.hpp) turned into one parameterised SQL
// statement over the clinical table of its type (or the patient index for Patient), with keyset
// paging.
//
// SQL is assembled only from this file's fixed fragments and the table names of table_of(); every
// value from the request is a bound parameter. Search statements are prepared per request and
// finalized after it (archive_reader_impl.hpp says why).
//
// Dates. The effective column holds FHIR dateTimes of any precision and time zone; the statement
// reads it through a derived table adding its range [lo, hi) in UTC (search_date.hpp), which both
// the date parameters and _sort=date use. Sorting by an expression costs a sort of the matching
// rows per page: cheap for one patient's archive (the usual query, narrowed by the (golden_id,
// effective) index), a scan for an archive-wide search by date.
//
// Patients. Results are golden patients that are not merged away and have at least one source
// record. A parameter matches a golden patient when any of its current source records matches it
// (so name=Li finds the patient one sender calls Li even if the latest record says Lee).
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <utility>
#include <variant>

#include "adapters/crmstore/archive_reader_impl.hpp"
#include "adapters/crmstore/search_date.hpp"
#include "adapters/crmstore/search_index.hpp"

namespace medgw::crmstore {

using archive::invalid;
using archive::store_error;

namespace {

using Value = std::variant<std::int64_t, std::string>;

// Bound values, numbered in the order they are added; each fragment takes its placeholder from add().
struct Binds {
  std::vector<Value> values;
  std::string add(Value v) {
    values.push_back(std::move(v));
    return "?" + std::to_string(values.size());
  }
};

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

enum class Kind { kId, kReference, kToken, kStatus, kDate };

struct ParamSpec {
  std::string_view name;
  Kind kind;
  std::string_view token;  // resource_tokens.param (search_index.hpp) for kToken
};

struct TypeSpec {
  std::string_view type;
  std::vector<ParamSpec> params;
};

const std::vector<TypeSpec>& clinical_types() {
  static const std::vector<TypeSpec> kTypes = [] {
    const ParamSpec id{"_id", Kind::kId, ""}, patient{"patient", Kind::kReference, ""},
        subject{"subject", Kind::kReference, ""}, status{"status", Kind::kStatus, ""},
        code{"code", Kind::kToken, "code"}, category{"category", Kind::kToken, "category"},
        date{"date", Kind::kDate, ""};
    return std::vector<TypeSpec>{
        {"Observation", {id, patient, subject, status, code, category, date}},
        {"DiagnosticReport", {id, patient, subject, status, code, category, date}},
        {"ServiceRequest", {id, patient, subject, status, code, category, date, {"authored", Kind::kDate, ""}}},
        {"Encounter",
         {id, patient, subject, status, {"class", Kind::kToken, "code"}, {"type", Kind::kToken, "code"}, date}},
        {"DocumentReference", {id, patient, subject, status, {"type", Kind::kToken, "code"}, category, date}},
        {"ImagingStudy",
         {id, patient, subject, status, {"modality", Kind::kToken, "code"}, date, {"started", Kind::kDate, ""}}},
    };
  }();
  return kTypes;
}

// --- values ---

struct Token {
  std::optional<std::string> system;  // nullopt: any system
  std::optional<std::string> code;    // nullopt: any code
};

std::optional<Token> parse_token(const std::string& value) {
  Token t;
  const auto bar = value.find('|');
  if (bar == std::string::npos) {
    t.code = value;
  } else {
    t.system = value.substr(0, bar);
    if (bar + 1 < value.size()) t.code = value.substr(bar + 1);
  }
  if (!t.code && (!t.system || t.system->empty())) return std::nullopt;  // "|"
  return t;
}

// The id a Patient reference names: "Patient/3", "3", "src-4", "https://host/fhir/Patient/3".
std::optional<std::string> patient_reference(const std::string& value) {
  static constexpr std::string_view kPrefix = "Patient/";
  if (value.find('/') == std::string::npos) return value;
  const auto at = value.rfind(kPrefix);
  if (at == std::string::npos || (at != 0 && value[at - 1] != '/')) return std::nullopt;
  std::string id = value.substr(at + kPrefix.size());
  if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;  // a version (_history) or worse
  return id;
}

// normalise_name_part in SQL, for family and given read from a record's JSON: trimmed and ASCII
// lower-cased (SQLite's lower() folds ASCII only, as normalise_name_part does). Inner runs of
// whitespace are not collapsed: a family name holding two spaces in a row is found by name=, not
// by family= with a query that spans them.
constexpr const char* kNormaliseOpen = "lower(trim(";
constexpr const char* kNormaliseClose = ", char(32, 9, 10, 13, 12, 11)))";

// The least string above every string starting with `prefix` (byte order, as SQLite's BINARY
// collation compares): its last byte plus one. UTF-8 never holds 0xFF, so there is no carry.
std::string prefix_end(std::string prefix) {
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// --- cursor ---

struct Cursor {
  char sort = 'i';  // i: id; d: date ascending; D: date descending
  std::int64_t id = 0;
  std::string key;
};

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kBase64[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const auto v = kBase64.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string encode_cursor(const Cursor& c) {
  return base64url("1|" + std::string(1, c.sort) + "|" + std::to_string(c.id) + "|" + c.key);
}

std::optional<Cursor> decode_cursor(std::string_view text) {
  auto raw = unbase64url(text);
  if (!raw || raw->size() < 6 || raw->substr(0, 2) != "1|" || (*raw)[3] != '|') return std::nullopt;
  Cursor c;
  c.sort = (*raw)[2];
  if (c.sort != 'i' && c.sort != 'd' && c.sort != 'D') return std::nullopt;
  const auto bar = raw->find('|', 4);
  if (bar == std::string::npos) return std::nullopt;
  const auto id = archive::parse_id(std::string_view(*raw).substr(4, bar - 4));
  if (!id) return std::nullopt;
  c.id = *id;
  c.key = raw->substr(bar + 1);
  return c;
}

// --- running ---

ArchiveResult<archive::Statement> prepare_bound(ArchiveReader::Impl& impl, const std::string& sql, const Binds& binds,
                                                std::size_t bound) {
  auto q = impl.prepare(sql, "search", /*cached=*/false);
  if (!q) return q;
  for (std::size_t i = 0; i < bound; ++i) {
    const int index = static_cast<int>(i + 1);
    std::visit([&](const auto& v) { (*q)->bind(index, v); }, binds.values[i]);
  }
  return q;
}

ArchiveResult<std::int64_t> count_of(ArchiveReader::Impl& impl, const std::string& sql, const Binds& binds,
                                     std::size_t bound) {
  auto q = prepare_bound(impl, sql, binds, bound);
  if (!q) return unexpected(q.error());
  auto n = (*q)->single_int64();
  if (!n) return unexpected(store_error(n.error()));
  return n->value_or(0);
}

ArchiveError unknown_parameter(const std::string& name, std::string_view type) {
  return invalid(name, "unknown search parameter '" + name + "' for " + std::string(type));
}

ArchiveError bad_date(const std::string& name) {
  return invalid(name, "parameter '" + name +
                           "': not a date search value (an optional prefix eq, ne, gt, ge, lt, le, sa or eb, then "
                           "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fff]][Z|+hh:mm])");
}

std::vector<std::string> non_empty(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (!v.empty()) out.push_back(v);
  }
  return out;
}

std::string in_list(const std::vector<Value>& values, Binds& binds, const std::string& column) {
  if (values.empty()) return "0";  // no value can match: nothing does
  std::vector<std::string> placeholders;
  for (const auto& v : values) placeholders.push_back(binds.add(v));
  return column + " IN (" + join(placeholders, ", ") + ")";
}

std::vector<Value> ids_of(const std::vector<std::string>& values) {
  std::vector<Value> ids;
  for (const auto& v : values) {
    if (auto id = archive::parse_id(v)) ids.emplace_back(*id);
  }
  return ids;
}

// Where the page starts and how it is ordered.
struct Order {
  char sort = 'i';
  std::optional<Cursor> after;
};

ArchiveResult<Order> order_of(const SearchQuery& query, bool dates) {
  Order o;
  if (query.sort.empty() || query.sort == "_id") {
    o.sort = 'i';
  } else if (dates && query.sort == "date") {
    o.sort = 'd';
  } else if (dates && query.sort == "-date") {
    o.sort = 'D';
  } else {
    return unexpected(invalid(
        "_sort", "_sort: " + query.type + " results can be sorted by " + (dates ? "_id, date or -date" : "_id only")));
  }
  if (!query.cursor.empty()) {
    o.after = decode_cursor(query.cursor);
    if (!o.after || o.after->sort != o.sort) {
      return unexpected(invalid("cursor", "the paging cursor is not one this search returned"));
    }
  }
  return o;
}

// Observations a page of reports names in result[] ("Observation/<id>"), each once.
ArchiveResult<std::vector<StoredResource>> included_results(ArchiveReader::Impl& impl,
                                                            const std::vector<StoredResource>& reports) {
  std::vector<StoredResource> out;
  std::set<std::int64_t> seen;
  for (const auto& report : reports) {
    rapidjson::Document parsed;
    parsed.Parse(report.json.c_str());
    const rapidjson::Document& doc = parsed;  // const iterators: Clang's C++20 operator rules
    if (!doc.IsObject() || !doc.HasMember("result") || !doc["result"].IsArray()) continue;
    for (const auto& ref : doc["result"].GetArray()) {
      if (!ref.IsObject() || !ref.HasMember("reference") || !ref["reference"].IsString()) continue;
      const std::string_view text(ref["reference"].GetString(), ref["reference"].GetStringLength());
      static constexpr std::string_view kObservation = "Observation/";
      if (text.substr(0, kObservation.size()) != kObservation) continue;
      const auto id = archive::parse_id(text.substr(kObservation.size()));
      if (!id || !seen.insert(*id).second) continue;
      auto obs = impl.clinical("Observation", *id);
      if (!obs) return unexpected(obs.error());
      if (*obs) out.push_back(std::move(**obs));
    }
  }
  return out;
}

ArchiveResult<SearchPage> search_clinical(ArchiveReader::Impl& impl, const SearchQuery& query, const TypeSpec& spec,
                                          std::size_t count) {
  const char* table = archive::table_of(spec.type);
  auto order = order_of(query, true);
  if (!order) return unexpected(order.error());
  if (query.include_results && spec.type != "DiagnosticReport") {
    return unexpected(invalid("_include", "_include: only DiagnosticReport:result is supported"));
  }
  Binds binds;
  const std::string offset = binds.add(search::offset_modifier(impl.options.utc_offset));
  const std::string from = std::string("(SELECT id, version, updated, golden_id, resource, status, ") +
                           search::instant_lo_sql("effective", offset) + " AS lo, " +
                           search::instant_hi_sql("effective", offset) + " AS hi FROM " + table +
                           " WHERE resource <> '') t";
  // With a patient or ids, a query reads a few rows by index and checks each one's tokens
  // (EXISTS); without, the tokens are the narrowest start (IN: SQLite reads the matching token
  // rows first). One patient's glucose results: 0.3 ms against 23 ms the other way round, on
  // 300,000 observations of 5,000 patients. The EXISTS names its index: without statistics
  // (no ANALYZE) SQLite picks the (type, param, code, system) index and reads every patient's
  // rows of that code for each of this patient's results, 160-260 ms on 20,000 observations
  // (tests/bench/fhir_bench.sh found it).
  bool narrow = false;
  for (const auto& param : query.params) {
    if ((param.name == "patient" || param.name == "subject" || param.name == "_id") &&
        !non_empty(param.values).empty()) {
      narrow = true;
    }
  }
  std::vector<std::string> where;
  for (const auto& param : query.params) {
    const ParamSpec* p = nullptr;
    for (const auto& candidate : spec.params) {
      if (candidate.name == param.name) p = &candidate;
    }
    if (p == nullptr) return unexpected(unknown_parameter(param.name, spec.type));
    if (!param.modifier.empty() && !(param.name == "subject" && param.modifier == "Patient")) {
      return unexpected(
          invalid(param.name, "parameter '" + param.name + "': modifier ':" + param.modifier + "' is not supported"));
    }
    const auto values = non_empty(param.values);
    if (values.empty()) continue;
    switch (p->kind) {
      case Kind::kId:
        where.push_back(in_list(ids_of(values), binds, "t.id"));
        break;
      case Kind::kReference: {
        std::vector<Value> goldens;
        for (const auto& v : values) {
          const auto id = patient_reference(v);
          if (!id) {
            return unexpected(
                invalid(param.name, "parameter '" + param.name + "': not a Patient reference (Patient/<id> or <id>)"));
          }
          auto golden = impl.golden_of_patient_id(*id);
          if (!golden) return unexpected(golden.error());
          if (*golden) goldens.emplace_back(**golden);
        }
        where.push_back(in_list(goldens, binds, "t.golden_id"));
        break;
      }
      case Kind::kStatus: {
        std::vector<Value> codes;
        for (const auto& v : values)
          codes.emplace_back(v.substr(v.find('|') == std::string::npos ? 0 : v.find('|') + 1));
        where.push_back(in_list(codes, binds, "t.status"));
        break;
      }
      case Kind::kToken: {
        std::vector<std::string> any;
        for (const auto& v : values) {
          const auto token = parse_token(v);
          if (!token) {
            return unexpected(invalid(param.name, "parameter '" + param.name + "': expected system|code or code"));
          }
          std::vector<std::string> terms;
          if (token->code) terms.push_back("rt.code = " + binds.add(*token->code));
          if (token->system) terms.push_back("rt.system = " + binds.add(*token->system));
          any.push_back("(" + join(terms, " AND ") + ")");
        }
        const std::string type = binds.add(std::string(spec.type));
        const std::string name = binds.add(std::string(p->token));
        if (narrow) {
          where.push_back(
              "EXISTS (SELECT 1 FROM resource_tokens rt INDEXED BY resource_tokens_resource WHERE "
              "rt.resource_type = " +
              type + " AND rt.resource_id = t.id AND rt.param = " + name + " AND (" + join(any, " OR ") + "))");
        } else {
          where.push_back("t.id IN (SELECT rt.resource_id FROM resource_tokens rt WHERE rt.resource_type = " + type +
                          " AND rt.param = " + name + " AND (" + join(any, " OR ") + "))");
        }
        break;
      }
      case Kind::kDate: {
        std::vector<std::string> any;
        for (const auto& v : values) {
          const auto range = search::parse_date_search(v, impl.options.utc_offset, false);
          if (!range) return unexpected(bad_date(param.name));
          any.push_back(
              search::date_match_sql(range->prefix, "t.lo", "t.hi", binds.add(range->lo), binds.add(range->hi)));
        }
        where.push_back("(" + join(any, " OR ") + ")");
        break;
      }
    }
  }
  const std::string condition = where.empty() ? "1" : join(where, " AND ");
  const std::size_t filter_binds = binds.values.size();
  const std::string key = "coalesce(t.lo, '')";

  SearchPage page;
  if (count > 0) {
    std::string sql = "SELECT t.id, t.version, t.updated, coalesce(t.golden_id, 0), t.resource, " + key + " FROM " +
                      from + " WHERE " + condition;
    if (order->after) {
      if (order->sort == 'i') {
        sql += " AND t.id > " + binds.add(order->after->id);
      } else {
        const std::string k = binds.add(order->after->key), id = binds.add(order->after->id);
        sql += " AND (" + key + ", t.id) " + (order->sort == 'd' ? ">" : "<") + " (" + k + ", " + id + ")";
      }
    }
    switch (order->sort) {
      case 'i':
        sql += " ORDER BY t.id";
        break;
      case 'd':
        sql += " ORDER BY " + key + ", t.id";
        break;
      default:
        sql += " ORDER BY " + key + " DESC, t.id DESC";
        break;
    }
    sql += " LIMIT " + binds.add(static_cast<std::int64_t>(count + 1));
    auto q = prepare_bound(impl, sql, binds, binds.values.size());
    if (!q) return unexpected(q.error());
    std::string last_key;
    for (;;) {
      auto row = (*q)->step();
      if (!row) return unexpected(store_error(row.error()));
      if (!*row) break;
      if (page.matches.size() == count) {
        page.next_cursor = encode_cursor(Cursor{order->sort, std::stoll(page.matches.back().id), last_key});
        break;
      }
      StoredResource r;
      r.type = std::string(spec.type);
      r.id = std::to_string((*q)->int64(0));
      r.version = (*q)->int64(1);
      r.last_updated = (*q)->text(2);
      r.golden = (*q)->int64(3);
      auto json = archive::with_meta((*q)->text(4), r.type, r.id, r.version, r.last_updated);
      if (!json) {
        return unexpected(
            ArchiveError{ArchiveErrorKind::kStore, {}, "search: stored resource is not a JSON object", false});
      }
      r.json = std::move(*json);
      last_key = (*q)->text(5);
      page.matches.push_back(std::move(r));
    }
  }
  if (query.total || count == 0) {
    auto n = count_of(impl, "SELECT count(*) FROM " + from + " WHERE " + condition, binds, filter_binds);
    if (!n) return unexpected(n.error());
    page.total = *n;
  }
  if (query.include_results) {
    auto included = included_results(impl, page.matches);
    if (!included) return unexpected(included.error());
    page.included = std::move(*included);
  }
  return page;
}

ArchiveResult<SearchPage> search_patients(ArchiveReader::Impl& impl, const SearchQuery& query, std::size_t count) {
  auto order = order_of(query, false);
  if (!order) return unexpected(order.error());
  if (query.include_results) {
    return unexpected(invalid("_include", "_include: only DiagnosticReport:result is supported"));
  }
  Binds binds;
  std::vector<std::string> where{"g.merged_into IS NULL",
                                 "EXISTS (SELECT 1 FROM links l0 WHERE l0.golden_id = g.id AND l0.undone IS NULL)"};
  // A golden patient any of whose current source records satisfies `condition`, over `joins`.
  auto by_record = [](const std::string& joins, const std::vector<std::string>& any) {
    return "g.id IN (SELECT l.golden_id FROM " + joins + " WHERE l.undone IS NULL AND (" + join(any, " OR ") + "))";
  };
  for (const auto& param : query.params) {
    const std::string& name = param.name;
    const bool known = name == "_id" || name == "identifier" || name == "name" || name == "family" || name == "given" ||
                       name == "birthdate" || name == "gender";
    if (!known) return unexpected(unknown_parameter(name, "Patient"));
    if (!param.modifier.empty()) {
      return unexpected(invalid(name, "parameter '" + name + "': modifier ':" + param.modifier + "' is not supported"));
    }
    const auto values = non_empty(param.values);
    if (values.empty()) continue;
    if (name == "_id") {
      where.push_back(in_list(ids_of(values), binds, "g.id"));
    } else if (name == "identifier") {
      std::vector<std::string> any;
      for (const auto& v : values) {
        const auto token = parse_token(v);
        if (!token) return unexpected(invalid(name, "parameter 'identifier': expected system|value or value"));
        std::vector<std::string> terms;
        if (token->code) terms.push_back("i.value = " + binds.add(*token->code));
        if (token->system) terms.push_back("i.system = " + binds.add(*token->system));
        any.push_back("(" + join(terms, " AND ") + ")");
      }
      where.push_back(by_record("identifiers i JOIN links l ON l.source_record_id = i.source_record_id", any));
    } else if (name == "name" || name == "family" || name == "given") {
      std::vector<std::string> any;
      for (const auto& v : values) {
        const std::string part = sqlite::normalise_name_part(v);
        if (part.empty()) continue;
        const std::string lo = binds.add(part), hi = binds.add(prefix_end(part));
        std::string term = "(pn.part >= " + lo + " AND pn.part < " + hi;
        // patient_names does not say which element a part came from: the record's JSON does.
        if (name == "family") {
          const std::string f = std::string(kNormaliseOpen) + "json_extract(n.value, '$.family')" + kNormaliseClose;
          term += " AND EXISTS (SELECT 1 FROM json_each(sr.resource, '$.name') n WHERE " + f + " >= " + lo + " AND " +
                  f + " < " + hi + ")";
        } else if (name == "given") {
          const std::string f = std::string(kNormaliseOpen) + "gv.value" + kNormaliseClose;
          term +=
              " AND EXISTS (SELECT 1 FROM json_each(sr.resource, '$.name') n, json_each(n.value, '$.given') gv "
              "WHERE " +
              f + " >= " + lo + " AND " + f + " < " + hi + ")";
        }
        any.push_back(term + ")");
      }
      if (any.empty()) continue;
      where.push_back(
          by_record("patient_names pn JOIN source_records sr ON sr.id = pn.source_record_id "
                    "JOIN links l ON l.source_record_id = pn.source_record_id",
                    any));
    } else if (name == "birthdate") {
      std::vector<std::string> any;
      for (const auto& v : values) {
        const auto range = search::parse_date_search(v, impl.options.utc_offset, true);
        if (!range) {
          return unexpected(invalid(name,
                                    "parameter 'birthdate': not a date search value (an optional prefix eq, "
                                    "ne, gt, ge, lt, le, sa or eb, then YYYY, YYYY-MM or YYYY-MM-DD)"));
        }
        any.push_back(search::date_match_sql(range->prefix, search::date_lo_sql("sr.birth_date"),
                                             search::date_hi_sql("sr.birth_date"), binds.add(range->lo),
                                             binds.add(range->hi)));
      }
      where.push_back(by_record("source_records sr JOIN links l ON l.source_record_id = sr.id", any));
    } else {  // gender
      std::vector<std::string> any;
      for (const auto& v : values) any.push_back("sr.gender = " + binds.add(v));
      where.push_back(by_record("source_records sr JOIN links l ON l.source_record_id = sr.id", any));
    }
  }
  const std::string condition = join(where, " AND ");
  const std::size_t filter_binds = binds.values.size();
  SearchPage page;
  if (count > 0) {
    std::string sql = "SELECT g.id FROM golden_patients g WHERE " + condition;
    if (order->after) sql += " AND g.id > " + binds.add(order->after->id);
    sql += " ORDER BY g.id LIMIT " + binds.add(static_cast<std::int64_t>(count + 1));
    std::vector<std::int64_t> ids;
    {
      auto q = prepare_bound(impl, sql, binds, binds.values.size());
      if (!q) return unexpected(q.error());
      for (;;) {
        auto row = (*q)->step();
        if (!row) return unexpected(store_error(row.error()));
        if (!*row) break;
        ids.push_back((*q)->int64(0));
      }
    }
    if (ids.size() > count) {
      ids.resize(count);
      page.next_cursor = encode_cursor(Cursor{'i', ids.back(), ""});
    }
    for (const auto id : ids) {
      auto patient = impl.golden_patient(id);
      if (!patient) return unexpected(patient.error());
      if (*patient) page.matches.push_back(std::move(**patient));
    }
  }
  if (query.total || count == 0) {
    auto n = count_of(impl, "SELECT count(*) FROM golden_patients g WHERE " + condition, binds, filter_binds);
    if (!n) return unexpected(n.error());
    page.total = *n;
  }
  return page;
}

}  // namespace

ArchiveResult<SearchPage> run_search(ArchiveReader::Impl& impl, const SearchQuery& query) {
  const std::size_t count = std::min(query.count, kMaxSearchCount);
  if (query.type == "Patient") return search_patients(impl, query, count);
  for (const auto& spec : clinical_types()) {
    if (spec.type == query.type) return search_clinical(impl, query, spec, count);
  }
  return unexpected(invalid("_type", "resource type " + query.type + " cannot be searched here"));
}

}  // namespace medgw::crmstore

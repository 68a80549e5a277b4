#pragma once
// FHIR date search values ("ge2020-01", "2026-11-02T07:30:00+08:00") as the ranges the archive
// reader compares (search_query.hpp). Every value, searched or stored, stands for a half-open range
// [lo, hi) implied by its precision: "1990" is all of 1990, "2026-11-02T07:30" that minute. Ranges
// are compared as UTC instants in the store's timestamp form ("2026-11-01T23:30:00.000Z", which
// sorts as text), or, for birth dates, as dates ("1990-03-07"): a birth date is a calendar day
// wherever the patient is.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace medgw::crmstore::search {

enum class DatePrefix { kEq, kNe, kGt, kGe, kLt, kLe, kSa, kEb };

struct DateRange {
  DatePrefix prefix = DatePrefix::kEq;
  std::string lo;  // inclusive
  std::string hi;  // exclusive
};

// nullopt: not a date search value (unknown prefix such as "ap", malformed or impossible date).
// `date_only`: a time part is refused and lo/hi are dates; else they are UTC instants, and a value
// without a time zone is taken as local time `utc_offset` ahead of UTC.
std::optional<DateRange> parse_date_search(std::string_view value, std::chrono::minutes utc_offset, bool date_only);

// SQL expressions for the range [lo, hi) of a stored dateTime column (parameter `offset` is the
// SQLite modifier turning local time into UTC, "-480 minutes" for +08:00), and of a stored date
// column; NULL for '' or a value SQLite cannot read. Column and parameter names come from the
// caller's fixed lists, never from a request.
std::string instant_lo_sql(const std::string& column, const std::string& offset);
std::string instant_hi_sql(const std::string& column, const std::string& offset);
std::string date_lo_sql(const std::string& column);
std::string date_hi_sql(const std::string& column);

// The SQLite modifier for utc_offset ("-480 minutes").
std::string offset_modifier(std::chrono::minutes utc_offset);

// A condition (SQL) that the stored range [lo_sql, hi_sql) matches `range` as FHIR defines the
// prefix; `lo_param` / `hi_param` are the placeholders bound to range.lo / range.hi.
std::string date_match_sql(DatePrefix prefix, const std::string& lo_sql, const std::string& hi_sql,
                           const std::string& lo_param, const std::string& hi_param);

}  // namespace medgw::crmstore::search

#pragma once
// The validator: one message against a profile set, the NIST validator's kind of checks.
//
// - Parsing (charset from MSH-18, else the site's default), then the message profile chosen by
//   MSH-9.
// - Structure: segment order and cardinality against the grammar, groups included. A segment the
//   grammar has no place for is reported and skipped where it stands, so one stray segment does
//   not hide the checks of the rest.
// - Each segment's fields, repetitions, components and sub-components: usage (R, RE, X), Min/Max
//   repetitions, length, primitive data types, value sets (with the site's accepted extras).
// - Site rules: the national identity number's checksum in the identifiers the site names.
#include <chrono>
#include <string_view>
#include <vector>

#include "conformance/finding.hpp"
#include "conformance/profile_set.hpp"

namespace medgw::hl7v2 {
class Message;
}

namespace medgw::conformance {

struct ValidateOptions {
  // Birth dates in national IDs must not be after this day; passed in so results are stable.
  std::chrono::year_month_day today{std::chrono::year{2100}, std::chrono::January, std::chrono::day{1}};
};

// Today's date in UTC, for ValidateOptions.
std::chrono::year_month_day utc_today();

// Every finding about one message given as bytes (CR, LF or CRLF terminated). Fills `result`'s
// control id, message type and profile when they can be read.
CaseResult validate_message(const ProfileSet& profiles, std::string_view bytes, const ValidateOptions& options = {});

// The same for a message already parsed.
CaseResult validate_parsed(const ProfileSet& profiles, const hl7v2::Message& message, const ValidateOptions& options = {});

}  // namespace medgw::conformance

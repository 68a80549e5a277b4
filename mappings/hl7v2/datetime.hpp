#pragma once
// DTM (and TS, whose first component is a DTM): YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// The precision is part of the value: "201509" is a month, not the first of September, and FHIR
// keeps that distinction, so it is kept here.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"

namespace medgw::hl7v2 {

enum class DateTimePrecision { kYear, kMonth, kDay, kHour, kMinute, kSecond, kFraction };

struct DateTime {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::string fraction;  // the digits after the point, as sent ("1234")
  DateTimePrecision precision = DateTimePrecision::kYear;
  std::optional<int> offset_minutes;  // time zone offset when sent

  // ISO 8601 as FHIR writes it: "2015", "2015-09", "2015-09-26", "2015-09-26T14:05:51+08:00".
  // FHIR requires seconds and a zone once a time is given: hour and minute precision are
  // written with ":00" seconds, and `assumed_offset_minutes` (the site's zone) is used when the
  // value has none. Without either zone, the time is written without a zone.
  std::string to_iso8601(std::optional<int> assumed_offset_minutes = std::nullopt) const;
};

// Parses a DTM; the error says what is wrong. Surrounding spaces are not accepted: a DTM has none.
Expected<DateTime, std::string> parse_datetime(std::string_view text);

}  // namespace medgw::hl7v2

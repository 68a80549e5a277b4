#pragma once
// Timestamps and dates as databases render them (through ODBC as text) -> FHIR dateTime / date.
// Accepted: "2024-05-01", "2024-05-01 08:30", "2024-05-01 08:30:00", "2024-05-01T08:30:00.25",
// with an optional zone ("+08", "+0800", "+08:00", "Z"; PostgreSQL renders timestamptz as "+08"),
// and the compact forms "20240501", "202405010830", "20240501083000" older HIS tables use.
// A value without a zone takes `zone` (the database's local time). nullopt: not a timestamp.
#include <optional>
#include <string>
#include <string_view>

namespace medgw::sql {

std::optional<std::string> fhir_date_time(std::string_view db_value, std::string_view zone);

// The date part only ("1980-02-29"), for birth dates stored as a date or a midnight timestamp.
std::optional<std::string> fhir_date(std::string_view db_value);

}  // namespace medgw::sql

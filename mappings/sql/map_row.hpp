#pragma once
// One polled database row -> a ChangeSet (issue 6), by the site's row mapping (row_mapping.hpp):
// the patient (a source record of `sender`), an Encounter when a visit column is mapped, the
// DiagnosticReport the row belongs to and the row's one Observation. The site profile is applied
// afterwards by the pipeline, as for HL7 v2: identifiers typed by assigning authority, local codes
// mapped to LOINC, units to UCUM.
//
// Keys (change_set.hpp), as the v2 mapping makes them so both kinds of feed can meet:
//   DiagnosticReport  "<report key column>"
//   Observation       "<report key>|<observation code>|"
//   Encounter         "<visit number>"
// Each row is its own envelope, so a report's observations arrive in several change sets with one
// report key. Every change set is marked partial_reports: the CRM store adds its result to those
// the stored report already lists instead of replacing them, so the report ends up with every row's
// observation (and a re-read row changes nothing).
//
// Failures name the column and the site-file key, never a value: a mapped column missing from the
// row (the query does not select it), a required value (patient identifier, report key,
// observation code) NULL or empty, or a value not valid in the source's encoding.
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/sql/db_row.hpp"
#include "mappings/sql/row_mapping.hpp"

namespace medgw::sql {

struct RowMapError {
  std::string reason;  // "db_rows.lis.report.key: column 'report_no' is NULL or empty"
};

// `row_id` identifies the row in messages and becomes the change set's message_control_id (the
// envelope's dedupe key: source, row key and timestamp).
Expected<model::ChangeSet, RowMapError> map_row(const RowMapping& mapping, const DbRow& row, std::string_view row_id);

}  // namespace medgw::sql

#pragma once
// A declarative row mapping (issue 6): which columns of a polled database row (adapters/dbpoll,
// content type application/vnd.medgw.db-row+json) hold which canonical fields. One per database
// source, in the site file's `db_rows:` section (row_mapping_reader.hpp reads it; the schema, with
// every key, is in deploy/sites/cn-hospital.yaml).
//
// A row is one result: a patient, optionally a visit, the report it belongs to (rows of one report
// share the report key column) and one observation. Every field names a column; an empty name
// means the table has no such column. Column names are matched case-insensitively, as databases
// fold unquoted names.
#include <map>
#include <string>
#include <vector>

namespace medgw::sql {

struct IdentifierColumn {
  std::string column;
  // The assigning authority as the site's identifier rules know it (identifiers.authorities:
  // BLH, SFZH...): Identifier.assigner, so apply_site gives it its system, type and kind exactly
  // as for a PID-3 with that CX.4.1. Empty: the source entry's default_assigner applies.
  std::string assigner;
};

struct PatientColumns {
  std::vector<IdentifierColumn> identifiers;  // at least one; the first non-empty keys the record
  std::string name;                           // the whole name as one text (HumanName.text; Chinese names are one text)
  std::string sex;                            // table 0001 codes (M, F, O, U, A, N), FHIR codes, 男/女, or sex_map
  std::map<std::string, std::string> sex_map;  // value as stored -> male|female|other|unknown
  std::string birth_date;
};

struct VisitColumns {
  std::string number;         // Encounter business key; empty: no Encounter
  std::string patient_class;  // table 0004 codes (I, O, E...)
};

struct ReportColumns {
  std::string key;                                // required: groups rows into one DiagnosticReport
  std::string code;                               // local report code (mapped by the site's code maps)
  std::string name;                               // its display text
  std::string time;                               // effectiveDateTime
  std::string issued;                             // when it was signed
  std::string status;                             // table 0123 codes (F, P, C...), FHIR codes, or status_map
  std::map<std::string, std::string> status_map;  // value as stored -> FHIR report status
  std::string default_status = "final";           // no status column, or an empty value
  std::string category = "LAB";                   // table 0074 (LAB, RAD, ...), a constant for the table
};

struct ObservationColumns {
  std::string code;                             // required: the local code, mapped to LOINC by the site's code maps
  std::string name;                             // its display text
  std::string value;                            // a decimal (with an optional <, <=, >, >=) is a Quantity, else text
  std::string unit;                             // unit text as stored; the site's units section makes it UCUM
  std::string reference_range;                  // "3.5-5.1", "<5", ... as in OBX-7
  std::string abnormal_flag;                    // table 0078 codes (H, L, N, A, HH, LL...), or flag_map
  std::map<std::string, std::string> flag_map;  // value as stored -> table 0078 code
  std::string time;                             // effectiveDateTime; the report time when empty
  std::string status;                           // as the report's; the report's status when empty
};

struct RowMapping {
  std::string source;  // the db_sources name the rows come from
  std::string sender;  // "APP^FACILITY": who the rows are from (ChangeSet.sender, keys are per sender)
  // The zone of the database's local timestamps ("+08:00"); a value that carries its own zone
  // keeps it. Required: a FHIR dateTime with a time must have a zone, and guessing it is how
  // results end up eight hours off.
  std::string timezone;
  PatientColumns patient;
  VisitColumns visit;
  ReportColumns report;
  ObservationColumns observation;
};

using RowMappings = std::map<std::string, RowMapping, std::less<>>;  // by source name

}  // namespace medgw::sql

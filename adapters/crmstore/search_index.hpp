#pragma once
// The search indexes of the FHIR API (migration 3, schema.cpp), written by the store whenever it
// writes a resource, inside the same transaction, so a search never sees a resource without its
// index rows or the other way round.
//
// - resource_tokens: token search parameters, one row per (param, system, code), deduplicated:
//     code        Observation, DiagnosticReport, ServiceRequest: every coding of code;
//                 DocumentReference: every coding of type; ImagingStudy: every modality coding;
//                 Encounter: class and every coding of type
//     category    every coding of every category (Observation, DiagnosticReport, ServiceRequest,
//                 DocumentReference)
//     identifier  every identifier (system, value); DocumentReference's masterIdentifier too;
//                 source records ("Patient", id = the source record id) as sent
//     status      (system '', code = status)
//   A coding without a code and an identifier without a value are not indexed; a missing system is
//   ''. resource_type is the FHIR type; resource_id the row id (source records: their id, not
//   "src-<n>").
// - patient_names: one row per distinct part of a source record's names: each family, each given,
//   each text, and each whitespace-separated word of a text of several words; every part through
//   normalise_name_part. Searching: normalise the query the same way, then match a prefix.
// - source_records.birth_date and gender: Patient.birthDate and Patient.gender ('' when absent).
//
// Tokens are taken from the resource as the model serialises it (the JSON the store writes for a
// v2 message), so a database written before migration 3 is indexed from its stored JSON exactly
// as a new write is.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/crmstore/sqlite_db.hpp"

namespace medgw::crmstore::sqlite {

struct SearchToken {
  std::string param;  // code | category | identifier | status
  std::string system;
  std::string code;
  bool operator==(const SearchToken&) const = default;
};

// The token rows of a FHIR resource of `resource_type` (its JSON). Unparseable JSON: none.
std::vector<SearchToken> search_tokens(std::string_view resource_type, std::string_view resource_json);

// A name part as patient_names stores it and a query must be given: ASCII whitespace trimmed at
// both ends and each inner run of it made one space, ASCII A-Z lower-cased; every other byte unchanged (so CJK names are kept as they
// are, and "张" is a prefix of "张三"). Accented Latin letters are not folded.
std::string normalise_name_part(std::string_view part);

// The distinct normalised name parts of a FHIR Patient (its JSON), in the order found.
std::vector<std::string> patient_name_parts(std::string_view patient_json);

// Replaces the resource_tokens rows of one resource.
DbResult<Ok> write_search_tokens(Db& db, std::string_view resource_type, std::int64_t resource_id,
                                 std::string_view resource_json);

// The same for every resource a change set wrote, in one INSERT: a message of one report and
// twenty results would otherwise cost sixty statements more than it did before the indexes.
struct IndexedResource {
  std::string_view type;
  std::int64_t id = 0;
  std::string_view json;
  bool replaces = false;  // false: a new row, with no token rows to delete
};
DbResult<Ok> write_search_tokens(Db& db, std::span<const IndexedResource> resources);

// Replaces the search rows of one source record: patient_names, birth_date, gender and its
// identifier tokens (resource_type "Patient"). `replaces`: false for a new record (nothing to delete).
DbResult<Ok> write_patient_search(Db& db, std::int64_t source_record_id, std::string_view patient_json,
                                  bool replaces = true);

}  // namespace medgw::crmstore::sqlite

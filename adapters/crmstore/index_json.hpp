#pragma once
// The patient index's operator views as JSON, shared by `medgw mpi ... --json` and the admin API
// (adapters/fhir/mpi_admin_api.hpp), so both answer in the same shape.
//
// review: [{id, kind, status, created, reason,
//           source_record: {id, sender, fields}, golden: {id, now, fields}, other_goldens: [ids],
//           field_scores: {...} | null}]
//   fields = {name, birth_date, gender, identifiers: ["system|value"], phones: [], addresses: []};
//   golden.now: the golden patient it stands as now (its survivor when merged since; 0: unknown).
// operation: {operation, kind, source_record?, golden, other_golden, merge?, undid?, review_tasks}
// history:   [{id, at, kind, by, automatic, reason, source_record, golden, other_golden, merge,
//              review_tasks, undoes, undone_by}]  (absent ids are null)
#include <string>
#include <vector>

#include "adapters/crmstore/sqlite_crm_store.hpp"

namespace medgw::crmstore {

std::string review_json(const std::vector<SqliteCrmStore::ReviewView>& views);
std::string operation_json(const OperationResult& result);
std::string history_json(const std::vector<OperationRow>& rows);

// review_tasks.other_goldens and mpi_operations.review_tasks: JSON arrays of ids.
std::vector<std::int64_t> parse_id_array(const std::string& json);

}  // namespace medgw::crmstore

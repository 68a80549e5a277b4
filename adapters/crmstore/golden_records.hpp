#pragma once
// The source records currently linked to a golden patient, as compose_golden_patient takes them
// (golden_patient.hpp), read on the store's connection.
#include <vector>

#include "adapters/crmstore/golden_patient.hpp"
#include "adapters/crmstore/sqlite_db.hpp"

namespace medgw::crmstore::sqlite {

// In the order they were last written (revision), oldest first; empty for an unknown or merged one.
DbResult<std::vector<SourceRecordDocument>> golden_source_records(Db& db, std::int64_t golden);

}  // namespace medgw::crmstore::sqlite

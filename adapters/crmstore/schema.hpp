#pragma once
// The CRM store's schema and its migrations. schema_version holds one row: the number of the last
// migration applied. Opening applies every newer migration in one transaction (all or nothing),
// and refuses a database written by a newer medgw rather than guess at tables it does not know.
// A migration is never edited once released: a change is a new, higher-numbered migration.
#include "adapters/crmstore/sqlite_db.hpp"

namespace medgw::crmstore::sqlite {

// The version this build writes.
int latest_schema_version();

// Brings the database up to latest_schema_version(). Errors are not retryable when the database
// is newer than this build.
DbResult<int> migrate(Db& db);

}  // namespace medgw::crmstore::sqlite

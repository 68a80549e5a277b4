#pragma once
// The versions of the match model in the CRM store (table match_models, migration 4): each
// `medgw mpi train` adds one, as reviewable JSON (mappings/mpi/match_model_json.hpp); the highest
// version is the one the resolver uses.
#include <cstdint>
#include <optional>
#include <string>

#include "adapters/crmstore/sqlite_db.hpp"
#include "mappings/mpi/match_model.hpp"

namespace medgw::crmstore::sqlite {

struct StoredMatchModel {
  std::int64_t version = 0;
  std::string json;
};

// The highest version, nullopt when none was stored.
DbResult<std::optional<StoredMatchModel>> latest_match_model(Db& db);
// Stores `model` as the next version (its `version` set to it) and returns that version. Runs
// inside the caller's transaction.
DbResult<std::int64_t> store_match_model(Db& db, mpi::MatchModel& model);

}  // namespace medgw::crmstore::sqlite

#include "adapters/crmstore/match_model_store.hpp"

#include "adapters/crmstore/timestamp.hpp"
#include "mappings/mpi/match_model_json.hpp"

namespace medgw::crmstore::sqlite {

DbResult<std::optional<StoredMatchModel>> latest_match_model(Db& db) {
  auto q = db.query("SELECT version, model FROM match_models ORDER BY version DESC LIMIT 1", "read match model");
  if (!q) return unexpected(q.error());
  auto row = q->step();
  if (!row) return unexpected(row.error());
  if (!*row) return std::optional<StoredMatchModel>();
  return std::optional<StoredMatchModel>(StoredMatchModel{q->int64(0), q->text(1)});
}

DbResult<std::int64_t> store_match_model(Db& db, mpi::MatchModel& model) {
  std::int64_t version = 1;
  {
    auto q = db.query("SELECT coalesce(max(version), 0) + 1 FROM match_models", "store match model");
    if (!q) return unexpected(q.error());
    auto next = q->single_int64();
    if (!next) return unexpected(next.error());
    if (*next) version = **next;
  }
  model.version = version;
  auto q = db.query("INSERT INTO match_models (version, created, model) VALUES (?1, ?2, ?3)", "store match model");
  if (!q) return unexpected(q.error());
  if (auto r = q->bind(1, version).bind(2, utc_timestamp()).bind(3, mpi::to_json(model)).run(); !r) {
    return unexpected(r.error());
  }
  return version;
}

}  // namespace medgw::crmstore::sqlite

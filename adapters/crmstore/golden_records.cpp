#include "adapters/crmstore/golden_records.hpp"

namespace medgw::crmstore::sqlite {

DbResult<std::vector<SourceRecordDocument>> golden_source_records(Db& db, std::int64_t golden) {
  auto q = db.query(
      "SELECT sr.resource, sr.sender, sr.updated FROM links l JOIN source_records sr ON sr.id = l.source_record_id "
      "WHERE l.golden_id = ?1 AND l.undone IS NULL ORDER BY sr.revision",
      "read source records");
  if (!q) return unexpected(q.error());
  q->bind(1, golden);
  std::vector<SourceRecordDocument> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(row.error());
    if (!*row) break;
    out.push_back({q->text(0), q->text(1), q->text(2)});
  }
  return out;
}

}  // namespace medgw::crmstore::sqlite

#include "adapters/crmstore/archive_index_reader.hpp"

#include <string>

namespace medgw::crmstore {
namespace {

using mpi::MpiResult;

mpi::MpiError mpi_error(const ArchiveError& e) {
  return mpi::MpiError{e.message, e.retryable};
}
mpi::MpiError mpi_error(const sqlite::DbError& e) {
  return mpi::MpiError{e.message, e.retryable};
}

// Golden ids from a statement whose first column is one.
MpiResult<std::vector<mpi::GoldenId>> golden_ids(archive::Statement& q) {
  std::vector<mpi::GoldenId> out;
  for (;;) {
    auto row = q->step();
    if (!row) return unexpected(mpi_error(row.error()));
    if (!*row) break;
    out.push_back(q->int64(0));
  }
  return out;
}

}  // namespace

ArchiveError archive_error_of(const mpi::MpiError& e) {
  return ArchiveError{ArchiveErrorKind::kStore, {}, e.message, e.retryable};
}

MpiResult<std::optional<mpi::SourceLink>> ArchiveIndexReader::find_source_record(std::string_view sender,
                                                                                 const mpi::IdentifierKey& key) {
  auto q = impl_.prepare(
      "SELECT sr.id, l.golden_id, l.grade FROM source_records sr "
      "JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL "
      "WHERE sr.sender = ?1 AND sr.key_system = ?2 AND sr.key_value = ?3",
      "match: find source record");
  if (!q) return unexpected(mpi_error(q.error()));
  (*q)->bind(1, sender).bind(2, key.system).bind(3, key.value);
  auto row = (*q)->step();
  if (!row) return unexpected(mpi_error(row.error()));
  if (!*row) return std::optional<mpi::SourceLink>();
  mpi::SourceLink link;
  link.source_record = (*q)->int64(0);
  link.golden = (*q)->int64(1);
  link.grade = mpi::parse_link_grade((*q)->text(2)).value_or(mpi::LinkGrade::kNew);
  return std::optional<mpi::SourceLink>(link);
}

MpiResult<std::vector<mpi::GoldenId>> ArchiveIndexReader::goldens_with_identifier(const mpi::IdentifierKey& id) {
  auto q = impl_.prepare(
      "SELECT l.golden_id FROM identifiers i "
      "JOIN links l ON l.source_record_id = i.source_record_id AND l.undone IS NULL "
      "WHERE i.value = ?2 AND i.system = ?1 AND i.trusted = 1 GROUP BY l.golden_id ORDER BY MIN(l.id)",
      "match: find patients by identifier");
  if (!q) return unexpected(mpi_error(q.error()));
  (*q)->bind(1, id.system).bind(2, id.value);
  return golden_ids(*q);
}

MpiResult<std::vector<mpi::GoldenId>> ArchiveIndexReader::goldens_with_demographic_key(std::string_view key,
                                                                                       std::size_t limit) {
  // The limit is part of the SQL text (an integer, never input): one cached statement per limit.
  const std::string sql =
      "SELECT l.golden_id FROM (SELECT id FROM source_records WHERE demographic_key = ?1 AND demographic_key <> '' "
      "ORDER BY id LIMIT " +
      std::to_string(limit) +
      ") sr "
      "JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL GROUP BY l.golden_id ORDER BY MIN(l.id)";
  auto q = impl_.prepare(sql, "match: find patients by demographics");
  if (!q) return unexpected(mpi_error(q.error()));
  (*q)->bind(1, key);
  return golden_ids(*q);
}

MpiResult<std::vector<mpi::BlockedRecord>> ArchiveIndexReader::records_with_blocking_key(std::string_view key,
                                                                                         std::size_t limit) {
  const std::string sql =
      "SELECT b.source_record_id, l.golden_id, sr.match_features FROM "
      "(SELECT source_record_id FROM blocking_keys WHERE key = ?1 ORDER BY source_record_id LIMIT " +
      std::to_string(limit) +
      ") b JOIN links l ON l.source_record_id = b.source_record_id AND l.undone IS NULL "
      "JOIN source_records sr ON sr.id = b.source_record_id";
  auto q = impl_.prepare(sql, "match: find records by blocking key");
  if (!q) return unexpected(mpi_error(q.error()));
  (*q)->bind(1, key);
  std::vector<mpi::BlockedRecord> out;
  for (;;) {
    auto row = (*q)->step();
    if (!row) return unexpected(mpi_error(row.error()));
    if (!*row) break;
    out.push_back({(*q)->int64(0), (*q)->int64(1), (*q)->text(2)});
  }
  return out;
}

MpiResult<std::vector<mpi::IdentifierKey>> ArchiveIndexReader::identifiers_of_golden(mpi::GoldenId golden) {
  auto q = impl_.prepare(
      "SELECT DISTINCT i.system, i.value FROM links l JOIN identifiers i ON i.source_record_id = l.source_record_id "
      "WHERE l.golden_id = ?1 AND l.undone IS NULL AND i.trusted = 1",
      "match: identifiers of patient");
  if (!q) return unexpected(mpi_error(q.error()));
  (*q)->bind(1, golden);
  std::vector<mpi::IdentifierKey> out;
  for (;;) {
    auto row = (*q)->step();
    if (!row) return unexpected(mpi_error(row.error()));
    if (!*row) break;
    out.push_back({(*q)->text(0), (*q)->text(1)});
  }
  return out;
}

}  // namespace medgw::crmstore

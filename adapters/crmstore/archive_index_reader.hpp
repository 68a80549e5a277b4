#pragma once
// The patient index's read side (mpi::IndexReader) on one of the ArchiveReader's connections,
// inside the caller's read transaction: what Patient/$match looks candidates up with. The same
// queries as SqliteIndexStore's reads (sqlite_index_store.cpp), on a connection that never begins
// a write, so matching through it cannot change the index. Internal to the archive reader.
#include "adapters/crmstore/archive_reader_impl.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::crmstore {

class ArchiveIndexReader final : public mpi::IndexReader {
 public:
  explicit ArchiveIndexReader(ArchiveReader::Impl& impl) : impl_(impl) {}

  mpi::MpiResult<std::optional<mpi::SourceLink>> find_source_record(std::string_view sender,
                                                                    const mpi::IdentifierKey& key) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_identifier(const mpi::IdentifierKey& id) override;
  mpi::MpiResult<std::vector<mpi::GoldenId>> goldens_with_demographic_key(std::string_view key,
                                                                          std::size_t limit) override;
  mpi::MpiResult<std::vector<mpi::BlockedRecord>> records_with_blocking_key(std::string_view key,
                                                                            std::size_t limit) override;
  mpi::MpiResult<std::vector<mpi::IdentifierKey>> identifiers_of_golden(mpi::GoldenId golden) override;

 private:
  ArchiveReader::Impl& impl_;
};

// An index error back as the archive's (the index keeps only message and retryable).
ArchiveError archive_error_of(const mpi::MpiError& e);

}  // namespace medgw::crmstore

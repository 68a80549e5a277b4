// Patient/$match on the archive reader's connection: the patient index's read side
// (archive_index_reader.hpp), the store's current match model, and the golden patients composed
// as read() composes them, all in the caller's read transaction (one snapshot, no writes).
#include <memory>

#include "adapters/crmstore/archive_index_reader.hpp"
#include "adapters/crmstore/archive_reader_impl.hpp"
#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/patient_match.hpp"

namespace medgw::crmstore {
namespace {

// The highest stored version, else the built-in default; parsed again only when the version
// changed (`medgw mpi train` stores a new one while the gateway runs).
ArchiveResult<std::shared_ptr<const mpi::MatchModel>> current_match_model(ArchiveReader::Impl& impl) {
  std::int64_t version = 0;
  std::string json;
  {
    auto q = impl.prepare("SELECT version, model FROM match_models ORDER BY version DESC LIMIT 1", "read match model");
    if (!q) return unexpected(q.error());
    auto row = (*q)->step();
    if (!row) return unexpected(archive::store_error(row.error()));
    if (*row) {
      version = (*q)->int64(0);
      json = (*q)->text(1);
    }
  }
  if (impl.match_model && impl.match_model_version == version) return impl.match_model;
  mpi::MatchModel model = mpi::default_match_model();
  if (version != 0) {
    auto parsed = mpi::match_model_from_json(json);
    // The store refuses to open with such a model; a reader does not guess around it either.
    if (!parsed) {
      return unexpected(
          ArchiveError{ArchiveErrorKind::kStore,
                       {},
                       "match model version " + std::to_string(version) + " does not read: " + parsed.error(),
                       false});
    }
    model = std::move(*parsed);
    model.version = version;
  }
  impl.match_model = std::make_shared<const mpi::MatchModel>(std::move(model));
  impl.match_model_version = version;
  return impl.match_model;
}

}  // namespace

ArchiveResult<PatientMatchAnswer> run_match(ArchiveReader::Impl& impl, const model::Patient& patient,
                                            const PatientMatchOptions& options) {
  const auto today = options.today.value_or(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())});
  const mpi::MatchRecord record = mpi::match_record(patient, today);
  if (!mpi::has_match_keys(record)) {
    return unexpected(
        archive::invalid("resource",
                         "the Patient has nothing to match on: give an identifier with its system (an MRN, a valid "
                         "national ID), or a name with a birth date, postcode or phone"));
  }
  auto model = current_match_model(impl);
  if (!model) return unexpected(model.error());
  ArchiveIndexReader index(impl);
  auto graded = mpi::match_patient(record, index, **model);
  if (!graded) return unexpected(archive_error_of(graded.error()));
  mpi::MatchSelection selected = mpi::select_matches(std::move(*graded), options.only_certain, options.count);
  PatientMatchAnswer out;
  out.ambiguous = selected.ambiguous;
  out.model_version = (*model)->version;
  for (const auto& m : selected.matches) {
    auto golden = impl.golden_patient(m.golden);
    if (!golden) return unexpected(golden.error());
    // A candidate comes from a current link, so it has a record; one reserved by a change set
    // still in flight has no resource yet and is left out, as read() leaves it out.
    if (!*golden) continue;
    out.matches.push_back({std::move(**golden), m.grade, m.score});
  }
  return out;
}

}  // namespace medgw::crmstore

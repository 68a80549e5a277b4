#pragma once
// Training a match model from a population of records (`medgw mpi train`, the FEBRL evaluation):
// candidate pairs from the same blocking keys the live index uses (match_features.hpp), their
// comparison patterns, EM (em_estimate.hpp), and the term-frequency lists of the name fields.
// Unsupervised: nothing says which pairs are true matches.
#include <cstdint>
#include <span>

#include "mappings/mpi/em_estimate.hpp"
#include "mappings/mpi/match_model.hpp"

namespace medgw::mpi {

struct TrainingOptions {
  // Blocks with more records than this are skipped: a block of very common keys is almost all
  // non-matches and costs n^2 pairs.
  std::size_t max_block = 200;
  // A value enters a term-frequency list when at least this many records hold it and it is more
  // common than the baseline (match_model.hpp), so the list never names a rare, identifying value.
  std::size_t min_term_count = 10;
  EmOptions em;
};

struct TrainingReport {
  std::int64_t records = 0;
  std::int64_t pairs = 0;
  std::int64_t patterns = 0;
  std::int64_t skipped_blocks = 0;
  EmResult em;
};

// Distinct pairs sharing a blocking key, as comparison patterns of `model`.
std::vector<ComparisonPattern> candidate_patterns(const MatchModel& model, std::span<const MatchFeatures> records,
                                                  const TrainingOptions& options, TrainingReport& report);

// Fills term_frequencies of the fields marked term_frequency from the records.
void fill_term_frequencies(MatchModel& model, std::span<const MatchFeatures> records, std::size_t min_count);

// All of the above: `model` (usually the default) is the starting point and is updated in place;
// thresholds and fields are kept.
TrainingReport train_match_model(MatchModel& model, std::span<const MatchFeatures> records,
                                 const TrainingOptions& options = {});

}  // namespace medgw::mpi

#pragma once
// The match model as JSON, for storing a version and for a person to review it:
//
// {
//   "format": "medgw-match-model", "format_version": 1,
//   "version": 3, "description": "...",
//   "trained": {"records": 5000, "pairs": 41234, "em_iterations": 37},
//   "prior": 0.012,
//   "thresholds": {"link": 28.0, "review": 10.0},
//   "fields": [
//     {"field": "family", "comparator": "name", "term_frequency": true,
//      "levels": [{"level": "exact", "m": 0.86, "u": 0.005, "weight": 7.43}, ...],
//      "term_frequency_baseline": 0.0011, "term_frequencies": {"smith": 0.012, ...}},
//     ...
//   ]
// }
//
// "weight" (log2 m/u, unadjusted) is written for the reader and ignored when read. Reading
// refuses an unknown format version, a level list that does not match the comparator's levels
// in name and order, and anything check_match_model refuses.
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"
#include "mappings/mpi/match_model.hpp"

namespace medgw::mpi {

inline constexpr int kMatchModelFormatVersion = 1;

std::string to_json(const MatchModel& model);
Expected<MatchModel, std::string> match_model_from_json(std::string_view json);

}  // namespace medgw::mpi

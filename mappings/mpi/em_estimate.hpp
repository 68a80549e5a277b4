#pragma once
// Expectation-maximisation of a Fellegi-Sunter model's m, u and prior from unlabelled candidate
// pairs (Winkler 1988; Jaro 1989), assuming fields agree independently given match status.
// Pairs are grouped into patterns (the same levels in every field), so a million pairs with a few
// hundred distinct patterns cost a few hundred terms per iteration. A missing level says nothing
// and is left out of that field's counts.
//
// EM starts from the model's m and u: starting where matches agree and non-matches do not keeps
// the two classes from swapping. Probabilities are kept at or above kMinProbability.
#include <cstdint>
#include <span>
#include <vector>

#include "mappings/mpi/match_model.hpp"

namespace medgw::mpi {

struct ComparisonPattern {
  std::vector<std::int8_t> levels;  // one per model field; kMissing allowed
  std::uint64_t count = 0;
};

struct EmOptions {
  int max_iterations = 200;
  double tolerance = 1e-7;  // stop when no m, u or the prior moves by more
  bool estimate_prior = true;
};

struct EmResult {
  int iterations = 0;
  bool converged = false;
};

// Updates model.prior and every field's m and u in place.
EmResult estimate_m_u(MatchModel& model, std::span<const ComparisonPattern> patterns, const EmOptions& options = {});

// Folds equal level vectors into patterns with counts.
std::vector<ComparisonPattern> group_patterns(std::span<const std::vector<std::int8_t>> pairs);

}  // namespace medgw::mpi

#pragma once
// Pairwise quality of a record linkage against the truth: every pair of records the index put
// under one golden patient is a predicted link; every pair of records of one true person is a
// true link. Precision = correct predicted / predicted, recall = correct predicted / true.
#include <cstdint>
#include <span>
#include <string>

namespace medgw::cli {

struct PairwiseMetrics {
  std::uint64_t true_pairs = 0;
  std::uint64_t predicted_pairs = 0;
  std::uint64_t correct_pairs = 0;
  double precision() const { return predicted_pairs == 0 ? 1.0 : double(correct_pairs) / double(predicted_pairs); }
  double recall() const { return true_pairs == 0 ? 1.0 : double(correct_pairs) / double(true_pairs); }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r == 0.0 ? 0.0 : 2 * p * r / (p + r);
  }
};

// truth[i], predicted[i]: record i's true person and the golden patient it was linked to.
PairwiseMetrics pairwise_metrics(std::span<const std::string> truth, std::span<const std::int64_t> predicted);

}  // namespace medgw::cli

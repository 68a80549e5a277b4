#include "gateway/cli/linkage_metrics.hpp"

#include <map>
#include <unordered_map>

namespace medgw::cli {
namespace {

std::uint64_t pairs(std::uint64_t n) { return n * (n - 1) / 2; }

}  // namespace

PairwiseMetrics pairwise_metrics(std::span<const std::string> truth, std::span<const std::int64_t> predicted) {
  std::unordered_map<std::string, std::uint64_t> by_truth;
  std::unordered_map<std::int64_t, std::uint64_t> by_prediction;
  std::map<std::pair<std::string, std::int64_t>, std::uint64_t> by_both;
  for (std::size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    ++by_truth[truth[i]];
    ++by_prediction[predicted[i]];
    ++by_both[{truth[i], predicted[i]}];
  }
  PairwiseMetrics m;
  for (const auto& [k, n] : by_truth) m.true_pairs += pairs(n);
  for (const auto& [k, n] : by_prediction) m.predicted_pairs += pairs(n);
  for (const auto& [k, n] : by_both) m.correct_pairs += pairs(n);
  return m;
}

}  // namespace medgw::cli

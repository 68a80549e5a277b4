#include "mappings/mpi/match_training.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace medgw::mpi {

std::vector<ComparisonPattern> candidate_patterns(const MatchModel& model, std::span<const MatchFeatures> records,
                                                  const TrainingOptions& options, TrainingReport& report) {
  std::unordered_map<std::string, std::vector<std::uint32_t>> blocks;
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    for (auto& k : blocking_keys(records[i])) blocks[std::move(k)].push_back(i);
  }
  std::unordered_set<std::uint64_t> seen;
  std::vector<std::vector<std::int8_t>> pairs;
  for (const auto& [key, members] : blocks) {
    if (members.size() > options.max_block) {
      ++report.skipped_blocks;
      continue;
    }
    for (std::size_t a = 0; a < members.size(); ++a) {
      for (std::size_t b = a + 1; b < members.size(); ++b) {
        const std::uint64_t id = (static_cast<std::uint64_t>(members[a]) << 32) | members[b];
        if (!seen.insert(id).second) continue;
        pairs.push_back(comparison_levels(model, records[members[a]], records[members[b]]));
      }
    }
  }
  report.records = static_cast<std::int64_t>(records.size());
  report.pairs = static_cast<std::int64_t>(pairs.size());
  auto patterns = group_patterns(pairs);
  report.patterns = static_cast<std::int64_t>(patterns.size());
  return patterns;
}

void fill_term_frequencies(MatchModel& model, std::span<const MatchFeatures> records, std::size_t min_count) {
  for (auto& f : model.fields) {
    if (!f.term_frequency) continue;
    f.term_frequencies.clear();
    std::unordered_map<std::string, std::size_t> counts;
    std::size_t present = 0;
    for (const auto& r : records) {
      const std::string& v = r[f.field];
      if (v.empty()) continue;
      ++present;
      ++counts[v];
    }
    if (present == 0) continue;
    double baseline = 0.0;
    for (const auto& [value, n] : counts) {
      const double share = static_cast<double>(n) / static_cast<double>(present);
      baseline += share * share;
    }
    f.term_frequency_baseline = baseline;
    for (const auto& [value, n] : counts) {
      const double share = static_cast<double>(n) / static_cast<double>(present);
      // Only values common enough to lower the weight, and held by enough records to name nobody.
      if (n >= min_count && share > baseline) f.term_frequencies.emplace(value, share);
    }
  }
}

TrainingReport train_match_model(MatchModel& model, std::span<const MatchFeatures> records,
                                 const TrainingOptions& options) {
  TrainingReport report;
  const auto patterns = candidate_patterns(model, records, options, report);
  report.em = estimate_m_u(model, patterns, options.em);
  fill_term_frequencies(model, records, options.min_term_count);
  model.trained_records = report.records;
  model.trained_pairs = report.pairs;
  model.em_iterations = report.em.iterations;
  return report;
}

}  // namespace medgw::mpi

#include "mappings/mpi/em_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace medgw::mpi {

EmResult estimate_m_u(MatchModel& model, std::span<const ComparisonPattern> patterns, const EmOptions& options) {
  EmResult result;
  const std::size_t nf = model.fields.size();
  double prior = std::clamp(model.prior, kMinProbability, 1.0 - kMinProbability);
  for (int iter = 1; iter <= options.max_iterations; ++iter) {
    result.iterations = iter;
    std::vector<std::vector<double>> m_count(nf), u_count(nf);
    for (std::size_t f = 0; f < nf; ++f) {
      m_count[f].assign(model.fields[f].m.size(), 0.0);
      u_count[f].assign(model.fields[f].u.size(), 0.0);
    }
    double match_total = 0.0, all_total = 0.0;
    for (const auto& p : patterns) {
      // E: P(match | levels), in logs so many fields do not underflow.
      double log_m = std::log(prior), log_u = std::log(1.0 - prior);
      for (std::size_t f = 0; f < nf && f < p.levels.size(); ++f) {
        const int l = p.levels[f];
        if (l < 0) continue;
        log_m += std::log(std::max(model.fields[f].m[static_cast<std::size_t>(l)], kMinProbability));
        log_u += std::log(std::max(model.fields[f].u[static_cast<std::size_t>(l)], kMinProbability));
      }
      const double g = 1.0 / (1.0 + std::exp(log_u - log_m));
      const double n = static_cast<double>(p.count);
      match_total += g * n;
      all_total += n;
      for (std::size_t f = 0; f < nf && f < p.levels.size(); ++f) {
        const int l = p.levels[f];
        if (l < 0) continue;
        m_count[f][static_cast<std::size_t>(l)] += g * n;
        u_count[f][static_cast<std::size_t>(l)] += (1.0 - g) * n;
      }
    }
    if (all_total == 0.0) break;
    // M: new estimates; track the largest move.
    double moved = 0.0;
    if (options.estimate_prior) {
      const double next = std::clamp(match_total / all_total, kMinProbability, 1.0 - kMinProbability);
      moved = std::max(moved, std::fabs(next - prior));
      prior = next;
    }
    for (std::size_t f = 0; f < nf; ++f) {
      auto update = [&](std::vector<double>& probs, const std::vector<double>& counts) {
        double total = 0.0;
        for (double c : counts) total += c;
        if (total <= 0.0) return;  // the field was always missing: keep what we had
        for (std::size_t l = 0; l < probs.size(); ++l) {
          const double next = std::max(counts[l] / total, kMinProbability);
          moved = std::max(moved, std::fabs(next - probs[l]));
          probs[l] = next;
        }
      };
      update(model.fields[f].m, m_count[f]);
      update(model.fields[f].u, u_count[f]);
    }
    if (moved < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  model.prior = prior;
  return result;
}

std::vector<ComparisonPattern> group_patterns(std::span<const std::vector<std::int8_t>> pairs) {
  std::map<std::vector<std::int8_t>, std::uint64_t> counts;
  for (const auto& p : pairs) ++counts[p];
  std::vector<ComparisonPattern> out;
  out.reserve(counts.size());
  for (auto& [levels, n] : counts) out.push_back({levels, n});
  return out;
}

}  // namespace medgw::mpi

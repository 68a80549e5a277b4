#include "mappings/mpi/candidates.hpp"

#include <algorithm>
#include <unordered_set>

namespace medgw::mpi {
namespace {

Candidate& candidate_for(std::vector<Candidate>& candidates, GoldenId golden) {
  auto it = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.golden == golden; });
  if (it != candidates.end()) return *it;
  Candidate c;
  c.golden = golden;
  candidates.push_back(std::move(c));
  return candidates.back();
}

}  // namespace

MpiResult<std::vector<Candidate>> gather_candidates(const MatchRecord& record, IndexReader& store,
                                                    bool with_demographics, const Matcher* matcher) {
  std::vector<Candidate> candidates;
  for (const auto& id : record.link_identifiers) {
    auto goldens = store.goldens_with_identifier(id);
    if (!goldens) return unexpected(goldens.error());
    for (GoldenId g : *goldens) candidate_for(candidates, g).shared_identifiers.push_back(id);
  }
  if (with_demographics && !record.demographic_key.empty()) {
    auto goldens = store.goldens_with_demographic_key(record.demographic_key, kMaxDemographicBlock + 1);
    if (!goldens) return unexpected(goldens.error());
    if (goldens->size() <= kMaxDemographicBlock) {
      for (GoldenId g : *goldens) candidate_for(candidates, g).same_demographic_key = true;
    }
  }
  if (with_demographics) {
    std::unordered_set<SourceRecordId> seen;
    for (const auto& key : record.blocking_keys) {
      auto found = store.records_with_blocking_key(key, kMaxBlockingBlock);
      if (!found) return unexpected(found.error());
      for (auto& r : *found) {
        if (!seen.insert(r.record).second) continue;
        candidate_for(candidates, r.golden).records.push_back(decode_match_features(r.match_features));
      }
    }
  }
  for (auto& c : candidates) {
    if (matcher != nullptr && !matcher->needs_identifiers(record, c)) continue;
    auto ids = store.identifiers_of_golden(c.golden);
    if (!ids) return unexpected(ids.error());
    c.identifiers = std::move(*ids);
  }
  return candidates;
}

}  // namespace medgw::mpi

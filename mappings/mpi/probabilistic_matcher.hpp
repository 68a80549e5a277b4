#pragma once
// Fellegi-Sunter matching behind the Matcher seam (matcher.hpp). Per candidate golden patient:
// - a shared trusted identifier: certain (the identifier rules stand);
// - otherwise the best score (match_model.hpp) of its source records found by blocking against the
//   incoming record: at or above the link threshold certain, at or above the review threshold
//   probable, else no match;
// - a candidate holding a different identifier under an authority the record also has (another
//   MRN of the same hospital) is never linked automatically: certain is lowered to probable, so a
//   person looks at it.
#include "mappings/mpi/match_model.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::mpi {

class ProbabilisticMatcher final : public Matcher {
 public:
  explicit ProbabilisticMatcher(MatchModel model) : model_(std::move(model)) {}
  std::vector<MatchDecision> judge(const MatchRecord& record, std::span<const Candidate> candidates) const override;
  // Only a candidate scoring at or above the link threshold is checked for conflicting
  // identifiers; a shared identifier decides without them.
  bool needs_identifiers(const MatchRecord& record, const Candidate& candidate) const override;
  const MatchModel& model() const { return model_; }

 private:
  PairScore best_score(const MatchRecord& record, const Candidate& candidate) const;
  MatchModel model_;
};

}  // namespace medgw::mpi

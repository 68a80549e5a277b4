#include "mappings/mpi/probabilistic_matcher.hpp"

#include <cstdio>

#include "mappings/mpi/exact_matcher.hpp"

namespace medgw::mpi {
namespace {

std::string score_text(double score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", score);
  return buf;
}

}  // namespace

PairScore ProbabilisticMatcher::best_score(const MatchRecord& record, const Candidate& c) const {
  PairScore best;
  bool first = true;
  for (const auto& r : c.records) {
    PairScore s = score_pair(model_, record.features, r);
    if (first || s.total > best.total) best = std::move(s);
    first = false;
  }
  return best;
}

bool ProbabilisticMatcher::needs_identifiers(const MatchRecord& record, const Candidate& c) const {
  if (record.link_identifiers.empty() || !c.shared_identifiers.empty() || c.records.empty()) return false;
  return best_score(record, c).total >= model_.link_threshold;
}

std::vector<MatchDecision> ProbabilisticMatcher::judge(const MatchRecord& record,
                                                       std::span<const Candidate> candidates) const {
  std::vector<MatchDecision> out;
  out.reserve(candidates.size());
  for (const auto& c : candidates) {
    if (!c.shared_identifiers.empty()) {
      out.push_back({MatchGrade::kCertain, "shared identifier"});
      continue;
    }
    if (c.records.empty()) {
      out.push_back({MatchGrade::kNonMatch, "no record to compare"});
      continue;
    }
    const PairScore best = best_score(record, c);
    MatchDecision d;
    d.score = best.total;
    // The evidence is only shown for a link or a review: formatting it for every candidate of a
    // block was a tenth of the resolver's time.
    if (best.total >= model_.review_threshold) d.field_scores_json = field_scores_json(model_, best);
    if (best.total >= model_.link_threshold) {
      if (conflicting_national_id(record, c)) {
        d.grade = MatchGrade::kProbable;
        d.reason = "score " + score_text(best.total) + " at or above the link threshold, but a different national ID";
      } else if (best.total < model_.same_authority_link_threshold && conflicting_authority(record, c)) {
        d.grade = MatchGrade::kProbable;
        d.reason = "score " + score_text(best.total) + " at or above the link threshold, but a different identifier "
                   "of the same authority";
      } else {
        d.grade = MatchGrade::kCertain;
        d.reason = "score " + score_text(best.total) + " at or above the link threshold";
      }
    } else if (best.total >= model_.review_threshold) {
      d.grade = MatchGrade::kProbable;
      d.reason = "score " + score_text(best.total) + " between the review and link thresholds";
    } else {
      d.grade = MatchGrade::kNonMatch;
      d.reason = "score " + score_text(best.total) + " below the review threshold";
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace medgw::mpi

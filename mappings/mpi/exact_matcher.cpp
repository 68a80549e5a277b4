#include "mappings/mpi/exact_matcher.hpp"

#include "mappings/mpi/identity.hpp"

#include <algorithm>

namespace medgw::mpi {

namespace {

bool conflicting(const MatchRecord& record, const Candidate& candidate, bool national_ids_only) {
  for (const auto& mine : record.link_identifiers) {
    if (national_ids_only && mine.system != kNationalIdSystem) continue;
    bool issuer_known = false;
    bool same_value = false;
    for (const auto& theirs : candidate.identifiers) {
      if (theirs.system != mine.system) continue;
      issuer_known = true;
      if (theirs.value == mine.value) same_value = true;
    }
    if (issuer_known && !same_value) return true;
  }
  return false;
}

}  // namespace

bool conflicting_authority(const MatchRecord& record, const Candidate& candidate) {
  return conflicting(record, candidate, false);
}

bool conflicting_national_id(const MatchRecord& record, const Candidate& candidate) {
  return conflicting(record, candidate, true);
}

std::vector<MatchDecision> ExactMatcher::judge(const MatchRecord& record,
                                               std::span<const Candidate> candidates) const {
  std::vector<MatchDecision> out;
  out.reserve(candidates.size());
  for (const auto& c : candidates) {
    if (!c.shared_identifiers.empty()) {
      out.push_back({MatchGrade::kCertain, "shared identifier"});
    } else if (c.same_demographic_key && !record.demographic_key.empty()) {
      if (conflicting_authority(record, c)) {
        out.push_back({MatchGrade::kNonMatch, "same demographics, different identifier of the same authority"});
      } else {
        out.push_back({MatchGrade::kProbable, "same name, birth date and sex"});
      }
    } else {
      out.push_back({MatchGrade::kNonMatch, "no shared identifier or demographics"});
    }
  }
  return out;
}

}  // namespace medgw::mpi

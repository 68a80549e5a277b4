#pragma once
// The deterministic rules of the first patient index:
// - a shared link identifier (an identifier within its authority, a valid national ID): certain;
// - otherwise the same demographic key (normalised name | birth date | sex), unless the candidate
//   holds a different value under an authority the record also has (another MRN of the same
//   hospital, another valid national ID: a different person with the same name and birthday):
//   probable, for a person to confirm;
// - otherwise no match.
#include "mappings/mpi/matcher.hpp"

namespace medgw::mpi {

// True when the candidate holds a value under one of the record's authorities and none of the
// record's values under that authority: the two are numbered differently by the same issuer.
bool conflicting_authority(const MatchRecord& record, const Candidate& candidate);
// As conflicting_authority, for national IDs only: two checksum-valid IDs (link identifiers are
// screened) that differ are two people.
bool conflicting_national_id(const MatchRecord& record, const Candidate& candidate);

class ExactMatcher final : public Matcher {
 public:
  std::vector<MatchDecision> judge(const MatchRecord& record,
                                   std::span<const Candidate> candidates) const override;
};

}  // namespace medgw::mpi

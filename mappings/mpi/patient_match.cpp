#include "mappings/mpi/patient_match.hpp"

#include <algorithm>

#include "mappings/mpi/candidates.hpp"
#include "mappings/mpi/identity.hpp"
#include "mappings/mpi/normalise.hpp"
#include "mappings/mpi/probabilistic_matcher.hpp"

namespace medgw::mpi {

MatchRecord match_record(const model::Patient& patient, std::chrono::year_month_day today) {
  MatchRecord record{
      &patient, screen_identifiers(patient, today).link, demographic_key(patient), match_features(patient), {}};
  record.blocking_keys = blocking_keys(record.features);
  return record;
}

bool has_match_keys(const MatchRecord& record) {
  return !record.link_identifiers.empty() || !record.blocking_keys.empty();
}

MpiResult<std::vector<PatientMatch>> match_patient(const MatchRecord& record, IndexReader& index,
                                                   const MatchModel& model) {
  auto candidates = gather_candidates(record, index, /*with_demographics=*/true);
  if (!candidates) return unexpected(candidates.error());
  // The matcher copies its model; a $match is rare next to the work of scoring.
  const ProbabilisticMatcher matcher(model);
  const std::vector<MatchDecision> decisions = matcher.judge(record, *candidates);
  std::vector<PatientMatch> out;
  for (std::size_t i = 0; i < candidates->size(); ++i) {
    const Candidate& c = (*candidates)[i];
    const MatchDecision& d = decisions[i];
    if (d.grade == MatchGrade::kNonMatch) continue;
    PatientMatch m;
    m.golden = c.golden;
    m.grade = d.grade;
    m.by_identifier = d.grade == MatchGrade::kCertain && !c.shared_identifiers.empty();
    m.score = m.by_identifier ? 1.0 : match_probability(model, d.score);
    m.weight = m.by_identifier ? 0.0 : d.score;
    out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const PatientMatch& a, const PatientMatch& b) {
    const bool a_certain = a.grade == MatchGrade::kCertain, b_certain = b.grade == MatchGrade::kCertain;
    if (a_certain != b_certain) return a_certain;
    if (a.by_identifier != b.by_identifier) return a.by_identifier;
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.golden < b.golden;
  });
  return out;
}

MatchSelection select_matches(std::vector<PatientMatch> graded, bool only_certain, std::size_t count) {
  MatchSelection out;
  if (only_certain) {
    std::erase_if(graded, [](const PatientMatch& m) { return m.grade != MatchGrade::kCertain; });
    if (graded.size() > 1) {
      out.ambiguous = true;
      return out;
    }
  }
  if (graded.size() > count) graded.resize(count);
  out.matches = std::move(graded);
  return out;
}

}  // namespace medgw::mpi

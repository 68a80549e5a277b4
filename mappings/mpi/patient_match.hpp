#pragma once
// FHIR Patient/$match (http://hl7.org/fhir/R4/patient-operation-match.html) from the patient
// index's own rules, without resolving: the same candidates the resolver would compare
// (candidates.hpp) judged by the same Fellegi-Sunter matcher (probabilistic_matcher.hpp) with the
// store's current model, and nothing stored. The grades, as FHIR match-grade codes:
//
//   certain   a shared trusted identifier (a valid national ID, an MRN within its authority;
//             identity.hpp), search.score 1; or a score at or above the link threshold that the
//             conflicting-identifier rules leave certain, search.score = match_probability(score).
//             Exactly what the resolver would link a new record to.
//   probable  a score between the review and link thresholds, or at or above the link threshold
//             with another number of an authority the candidate holds (below
//             same_authority_link_threshold) or another valid national ID: what the resolver would
//             open a review task for. search.score = match_probability(score).
//   possible  not returned. A candidate below the review threshold shares only a blocking key (a
//             phone, a birth date and two letters of a name); the model calls it a different
//             person, and answering it would hand the client the demographics of patients the
//             index itself considers unrelated (minimum necessary). R4: "usually non-matching
//             records are not returned".
//   certainly-not  not returned either ("not the same person" marks need an anchor patient,
//             which a $match query is not).
//
// Order: certain before probable; identifier matches first among the certain; then by the score in
// bits (best first: probabilities round to 1 at high scores), then by golden id (oldest first).
#include <chrono>
#include <cstddef>
#include <vector>

#include "mappings/model/resources.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/match_model.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::mpi {

struct PatientMatch {
  GoldenId golden = 0;
  MatchGrade grade = MatchGrade::kProbable;  // kCertain or kProbable
  double score = 0.0;                        // search.score, 0..1
  double weight = 0.0;                       // the pair's score in bits (0 for an identifier match)
  bool by_identifier = false;                // certain on a shared identifier
};

// A queried Patient as the matcher sees it: its trusted identifiers (screened as the resolver
// screens them, `today` bounding a national ID's birth date), features and blocking keys.
MatchRecord match_record(const model::Patient& patient, std::chrono::year_month_day today);

// Whether there is anything to look candidates up by: a trusted identifier or a blocking key.
bool has_match_keys(const MatchRecord& record);

// Every candidate graded certain or probable, in the order above. Reads only.
MpiResult<std::vector<PatientMatch>> match_patient(const MatchRecord& record, IndexReader& index,
                                                   const MatchModel& model);

// What $match answers. onlyCertainMatches (R4: "If there are multiple potential matches, then the
// match should not return the results with this flag set to true"): the one certain match, or
// nothing when several patients are certain (`ambiguous`: the index cannot tell which one; the
// resolver would open a review task) or none is. Then at most `count` of them.
struct MatchSelection {
  std::vector<PatientMatch> matches;
  bool ambiguous = false;
};
MatchSelection select_matches(std::vector<PatientMatch> graded, bool only_certain, std::size_t count);

}  // namespace medgw::mpi

#pragma once
// The Fellegi-Sunter model of the patient index (Fellegi & Sunter 1969): for each compared field,
// per comparison level, m = P(level | same person) and u = P(level | different people). A pair's
// score is the sum over fields of log2(m/u) of the level it reached (a missing value adds 0):
// evidence for a match is positive, against negative, in bits.
//
// Term-frequency adjustment: agreeing exactly on a common value ("smith", "张伟") is weaker
// evidence than on a rare one. For a field marked term_frequency, an exact agreement on a value
// listed in `term_frequencies` (its share of the records holding the field) weighs
//   log2(m_exact / u_exact) + min(0, log2(term_frequency_baseline / share))
// where the baseline is the chance that two records picked at random agree on the field (the sum
// of the squared shares of all values). Relative to the baseline, not to u_exact: u is estimated
// over blocked pairs, which already share name prefixes, so it is no measure of a name's rarity.
// Only common values are listed (and only lowered): training lists values held by many records,
// so the model stays reviewable without naming anyone (match_training.hpp).
//
// Two thresholds on the score: at or above link_threshold a new record is linked automatically
// (FHIR $match grade "certain"); at or above review_threshold it gets its own golden patient and a
// review task (grade "probable"); below, it is a different person.
//
// The default thresholds are cautious: name, birth date and sex agreeing (about 25 bits with the
// default m and u) are not enough to link automatically without one more agreeing field (address,
// phone, an ID number), since a city has many 张伟 born on the same day and the default model has
// no term frequencies. A trained model keeps the thresholds it started from; `medgw mpi evaluate`
// shows what they give on data with known truth.
//
// Where a model comes from: the built-in default (default_match_model, m and u set by hand from
// the record-linkage literature) or one estimated by EM from the store's own records and stored
// as a new version (`medgw mpi train`). match_model_json.hpp reads and writes it.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mappings/mpi/comparators.hpp"
#include "mappings/mpi/match_features.hpp"

namespace medgw::mpi {

struct FieldModel {
  MatchField field = MatchField::kGiven;
  Comparator comparator = Comparator::kName;
  std::vector<double> m;  // one per level of the comparator
  std::vector<double> u;
  bool term_frequency = false;
  std::unordered_map<std::string, double> term_frequencies;  // value -> share of records
  double term_frequency_baseline = 0.0;                       // sum of squared shares; 0: no adjustment
};

struct MatchModel {
  std::int64_t version = 0;  // the stored version; 0 for the built-in default
  std::string description;
  double prior = 0.01;  // share of candidate pairs that are matches (EM estimates it)
  double link_threshold = 28.0;
  double review_threshold = 10.0;
  // A record carrying another number of an authority the candidate is numbered by (a second MRN
  // of one hospital: a new card at a later visit, or a second person) links only from this score
  // on; below it, at or above link_threshold, it goes to review. The issuer kept them apart, so
  // more evidence is asked for, not a veto: re-registration is the commonest duplicate. Two
  // different valid national IDs never link (probabilistic_matcher.cpp). Below link_threshold it
  // has no effect: link_threshold applies.
  double same_authority_link_threshold = 40.0;
  std::vector<FieldModel> fields;
  // How it was trained (0 when not).
  std::int64_t trained_records = 0;
  std::int64_t trained_pairs = 0;
  int em_iterations = 0;
};

// m and u are kept within [kMinProbability, 1]: a level never seen must not weigh infinity.
inline constexpr double kMinProbability = 1e-6;

MatchModel default_match_model();

// log2(m/u) of `level` of `field`, term-frequency adjusted for an exact agreement on `value`.
// 0 for kMissing.
double level_weight(const FieldModel& field, int level, std::string_view value);

struct FieldScore {
  MatchField field = MatchField::kGiven;
  int level = kMissing;
  double weight = 0.0;
};

struct PairScore {
  double total = 0.0;
  std::vector<FieldScore> fields;  // one per model field, in model order
};

PairScore score_pair(const MatchModel& model, const MatchFeatures& a, const MatchFeatures& b);
// The levels alone (for EM): one per model field.
std::vector<std::int8_t> comparison_levels(const MatchModel& model, const MatchFeatures& a, const MatchFeatures& b);

// The score as a probability of a match, given the model's prior: for FHIR search.score.
double match_probability(const MatchModel& model, double score);

// "{"score":12.3,"fields":[{"field":"family","level":"exact","weight":8.7},...]}": what a reviewer
// sees; names fields and levels, never values.
std::string field_scores_json(const MatchModel& model, const PairScore& score);

// The problems of a model (levels not matching the comparator, thresholds out of order,
// probabilities out of range), empty when it is usable.
std::string check_match_model(const MatchModel& model);

}  // namespace medgw::mpi

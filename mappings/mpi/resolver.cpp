#include "mappings/mpi/resolver.hpp"

#include <algorithm>

#include "mappings/mpi/candidates.hpp"
#include "mappings/mpi/exact_matcher.hpp"
#include "mappings/mpi/identity.hpp"
#include "mappings/mpi/normalise.hpp"

namespace medgw::mpi {
namespace {

struct Graded {
  GoldenId golden = 0;
  const MatchDecision* decision = nullptr;
};

// The candidates given `grade`, best score first (equal scores: in the order found).
std::vector<Graded> graded(const std::vector<Candidate>& candidates, const std::vector<MatchDecision>& decisions,
                           MatchGrade grade) {
  std::vector<Graded> out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (decisions[i].grade == grade) out.push_back({candidates[i].golden, &decisions[i]});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Graded& a, const Graded& b) { return a.decision->score > b.decision->score; });
  return out;
}

std::vector<GoldenId> goldens_of(const std::vector<Graded>& g, std::size_t from = 0) {
  std::vector<GoldenId> out;
  for (std::size_t i = from; i < g.size(); ++i) out.push_back(g[i].golden);
  return out;
}

// "Not the same person" (issue 7): an operator's mark between two golden patients is final for the
// matcher. Once the resolver has its anchor (the record's current golden patient, or the one it is
// about to link to), every candidate marked distinct from the anchor leaves the list, so it is
// neither linked on this evidence nor proposed with the anchor in a review task again.
MpiResult<std::vector<GoldenId>> without_distinct(std::vector<GoldenId> goldens, GoldenId anchor,
                                                  IndexStore& store) {
  if (goldens.empty()) return goldens;
  auto marked = store.distinct_goldens(anchor);
  if (!marked) return unexpected(marked.error());
  std::erase_if(goldens, [&](GoldenId g) { return std::find(marked->begin(), marked->end(), g) != marked->end(); });
  return goldens;
}

}  // namespace

MpiResult<Resolution> resolve(const model::PatientRecord& record, IndexStore& store,
                              std::chrono::year_month_day today, const Matcher& matcher) {
  const auto key = source_key(record.patient.identifier);
  if (!key) return unexpected(MpiError{"patient has no identifier", false});

  ScreenedIdentifiers screened = screen_identifiers(record.patient, today);
  MatchRecord match{&record.patient, std::move(screened.link), demographic_key(record.patient),
                    match_features(record.patient), {}};
  match.blocking_keys = blocking_keys(match.features);

  auto existing = store.find_source_record(record.sender, *key);
  if (!existing) return unexpected(existing.error());
  // A known record's link stands (only a shared identifier can raise a conflict for a person to
  // look at), so its demographic block is not searched again on every message.
  auto candidates = gather_candidates(match, store, /*with_demographics=*/!*existing, &matcher);
  if (!candidates) return unexpected(candidates.error());
  const std::vector<MatchDecision> decisions = matcher.judge(match, *candidates);
  // Identifier matches in the order found; score matches best first.
  std::vector<Graded> by_identifier, by_score;
  for (std::size_t i = 0; i < candidates->size(); ++i) {
    if (decisions[i].grade == MatchGrade::kCertain && !(*candidates)[i].shared_identifiers.empty()) {
      by_identifier.push_back({(*candidates)[i].golden, &decisions[i]});
    }
  }
  for (const auto& g : graded(*candidates, decisions, MatchGrade::kCertain)) {
    if (std::none_of(by_identifier.begin(), by_identifier.end(), [&](const Graded& c) { return c.golden == g.golden; })) {
      by_score.push_back(g);
    }
  }
  const std::vector<Graded> probable = graded(*candidates, decisions, MatchGrade::kProbable);

  SourceRecordData data{record.sender, *key, &record.patient, match.link_identifiers, match.demographic_key,
                        screened.flags, record.fhir_json, encode_match_features(match.features),
                        match.blocking_keys};
  auto stored = store.upsert_source_record(data);
  if (!stored) return unexpected(stored.error());

  Resolution out;
  out.source_record = *stored;
  out.flags = screened.flags;
  std::vector<ReviewTask> tasks;

  if (*existing) {
    // Known record: its link stands. New evidence pointing elsewhere goes to a person.
    out.golden = (*existing)->golden;
    out.grade = (*existing)->grade;
    std::vector<GoldenId> conflicting;
    // Only identifiers were searched (a score never reopens a standing link).
    for (const auto& g : by_identifier) {
      if (g.golden != out.golden) conflicting.push_back(g.golden);
    }
    auto others = without_distinct(std::move(conflicting), out.golden, store);
    if (!others) return unexpected(others.error());
    if (!others->empty()) {
      tasks.push_back({std::string(kReviewIdentifierConflict), out.source_record, out.golden, *others,
                       "a known record now shares an identifier with another patient", {}});
    }
  } else {
    std::string reason;
    if (!by_identifier.empty()) {
      out.golden = by_identifier.front().golden;
      out.grade = LinkGrade::kCertain;
      reason = by_identifier.front().decision->reason;
      auto others = without_distinct(goldens_of(by_identifier, 1), out.golden, store);
      if (!others) return unexpected(others.error());
      if (!others->empty()) {
        tasks.push_back({std::string(kReviewIdentifierConflict), out.source_record, out.golden, *others,
                         "identifiers point to different patients", {}});
      }
    } else if (!by_score.empty()) {
      out.golden = by_score.front().golden;
      out.grade = LinkGrade::kCertain;
      reason = by_score.front().decision->reason;
      auto others = without_distinct(goldens_of(by_score, 1), out.golden, store);
      if (!others) return unexpected(others.error());
      if (!others->empty()) {
        tasks.push_back({std::string(kReviewProbableMatch), out.source_record, out.golden, *others,
                         "scored at or above the link threshold with more than one patient",
                         by_score.front().decision->field_scores_json});
      }
    } else if (!probable.empty()) {
      // Not sure enough to link: the record gets a golden patient of its own, and a person decides
      // (link it to a candidate, or mark them distinct). Never linked on a guess.
      auto golden = store.create_golden();
      if (!golden) return unexpected(golden.error());
      out.golden = *golden;
      out.grade = LinkGrade::kProbable;
      reason = probable.front().decision->reason;
      tasks.push_back({std::string(kReviewProbableMatch), out.source_record, out.golden, goldens_of(probable),
                       "may be the same person as another patient: " + probable.front().decision->reason,
                       probable.front().decision->field_scores_json});
    } else {
      auto golden = store.create_golden();
      if (!golden) return unexpected(golden.error());
      out.golden = *golden;
      out.grade = LinkGrade::kNew;
      reason = "no match";
    }
    auto linked = store.link(out.source_record, out.golden, out.grade, reason);
    if (!linked) return unexpected(linked.error());
  }

  if (!screened.problem.empty()) {
    tasks.push_back({std::string(kReviewNationalIdInvalid), out.source_record, out.golden, {},
                     "national ID not used: " + screened.problem, {}});
  }
  for (const auto& task : tasks) {
    auto opened = store.open_review_task(task);
    if (!opened) return unexpected(opened.error());
    out.review_opened = true;
  }
  return out;
}

MpiResult<Resolution> resolve(const model::PatientRecord& record, IndexStore& store,
                              std::chrono::year_month_day today) {
  static const ExactMatcher exact;
  return resolve(record, store, today, exact);
}

}  // namespace medgw::mpi

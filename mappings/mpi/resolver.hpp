#pragma once
// Resolves one source record to its golden patient (DESIGN.md, "The master patient index"):
//
// 1. A source record already known (same sender, same key identifier) keeps its current link: a
//    sender's record of a patient always resolves to the same golden patient, and an operator's
//    unlink or a merge is never overridden by the next message. The record's data is updated.
// 2. A new source record sharing a trusted identifier (identity.hpp) with golden patients links to
//    the first of them, grade certain. Identifiers pointing to two golden patients are a conflict:
//    link to the first, open a review task, never merge silently (that is for a person or an A40).
// 3. Otherwise the Matcher's verdict on the candidates found by blocking (the demographic key and
//    the blocking keys of match_features.hpp): a candidate graded certain (a score at or above the
//    link threshold) is linked, the best first; several such candidates open a review task.
//    Graded probable (between the thresholds): the record gets a new golden patient of its own,
//    grade probable, and a review task naming the candidates, best first, with the field scores of
//    the best (DESIGN.md: "Between: link to a new golden patient and open a review task").
// 4. Otherwise a new golden patient.
// An invalid national ID is flagged on the source record and opens a review task; it is not used.
//
// Candidates are found by blocking and judged by a Matcher (matcher.hpp): the exact rules
// (exact_matcher.hpp) or Fellegi-Sunter scoring (probabilistic_matcher.hpp).
#include <chrono>
#include <string>
#include <vector>

#include "mappings/model/change_set.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::mpi {

struct Resolution {
  GoldenId golden = 0;
  SourceRecordId source_record = 0;
  LinkGrade grade = LinkGrade::kNew;  // of the record's current link
  bool review_opened = false;         // a review task is open for this record after this call
  std::vector<std::string> flags;     // kFlagNationalIdInvalid
};

// Errors: the store's (retryable), or a record the index cannot take (no identifier; permanent).
MpiResult<Resolution> resolve(const model::PatientRecord& record, IndexStore& store,
                              std::chrono::year_month_day today, const Matcher& matcher);
// The same with the exact rules (exact_matcher.hpp): a same demographic key is probable.
MpiResult<Resolution> resolve(const model::PatientRecord& record, IndexStore& store,
                              std::chrono::year_month_day today);

}  // namespace medgw::mpi

#pragma once
// Merges (ADT^A40 "merge patient - patient identifier list", A34 "merge patient information") and
// the undoing of every automatic decision of the index.
//
// A merge names the surviving patient (PID) and the prior one's identifiers (MRG-1). The golden
// patient of the prior identifiers is merged into the surviving record's golden patient: every
// source record linked to it is relinked, and everything linked to those records (encounters,
// reports, results) follows them. The store remembers each moved link, so undo_merge restores
// them exactly. A prior patient the index has never seen is refused (permanent): merging into
// nothing would silently lose the instruction.
#include <chrono>

#include "mappings/model/change_set.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/matcher.hpp"
#include "mappings/mpi/resolver.hpp"

namespace medgw::mpi {

struct MergeOutcome {
  Resolution surviving;    // the surviving record, resolved as any record is
  GoldenId merged = 0;     // the prior golden patient, now merged into surviving.golden
  MergeId merge = 0;       // 0 when nothing moved: both were already the same golden patient
};

MpiResult<MergeOutcome> merge(const model::MergeRequest& request, IndexStore& store,
                              std::chrono::year_month_day today, const Matcher& matcher);
MpiResult<MergeOutcome> merge(const model::MergeRequest& request, IndexStore& store,
                              std::chrono::year_month_day today);

MpiResult<Done> undo_merge(IndexStore& store, MergeId merge);

// Undoes a link: the source record moves to a new golden patient of its own, grade manual (kept on
// later messages). Returns the new golden patient.
MpiResult<GoldenId> unlink(IndexStore& store, SourceRecordId record, std::string_view reason);

}  // namespace medgw::mpi

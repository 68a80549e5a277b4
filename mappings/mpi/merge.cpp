#include "mappings/mpi/merge.hpp"

#include "mappings/mpi/exact_matcher.hpp"
#include "mappings/mpi/identity.hpp"

namespace medgw::mpi {
namespace {

// The golden patient the prior identifiers (MRG-1) name: the sender's own record of them first,
// else any golden patient holding one of them as a trusted identifier.
MpiResult<std::optional<GoldenId>> prior_golden(const model::MergeRequest& request, IndexStore& store,
                                                std::chrono::year_month_day today) {
  const auto key = source_key(request.prior);
  if (!key) return unexpected(MpiError{"merge: prior patient has no identifier", false});
  auto record = store.find_source_record(request.surviving.sender, *key);
  if (!record) return unexpected(record.error());
  if (*record) return std::optional<GoldenId>((*record)->golden);

  // The prior identifiers are screened against the surviving demographics: it is the same person.
  model::Patient prior = request.surviving.patient;
  prior.identifier = request.prior;
  for (const auto& id : screen_identifiers(prior, today).link) {
    auto goldens = store.goldens_with_identifier(id);
    if (!goldens) return unexpected(goldens.error());
    if (!goldens->empty()) return std::optional<GoldenId>(goldens->front());
  }
  return std::optional<GoldenId>();
}

}  // namespace

MpiResult<MergeOutcome> merge(const model::MergeRequest& request, IndexStore& store,
                              std::chrono::year_month_day today, const Matcher& matcher) {
  // Find the prior patient before resolving the survivor, so a refused merge creates nothing.
  auto prior = prior_golden(request, store, today);
  if (!prior) return unexpected(prior.error());
  if (!*prior) return unexpected(MpiError{"merge: prior patient unknown", false});

  auto surviving = resolve(request.surviving, store, today, matcher);
  if (!surviving) return unexpected(surviving.error());

  MergeOutcome out{std::move(*surviving), **prior, 0};
  if (out.merged == out.surviving.golden) return out;  // already one patient (a re-sent A40)
  auto merged = store.record_merge(out.merged, out.surviving.golden, "merge request");
  if (!merged) return unexpected(merged.error());
  out.merge = *merged;
  return out;
}

MpiResult<MergeOutcome> merge(const model::MergeRequest& request, IndexStore& store,
                              std::chrono::year_month_day today) {
  static const ExactMatcher exact;
  return merge(request, store, today, exact);
}

MpiResult<Done> undo_merge(IndexStore& store, MergeId merge) { return store.undo_merge(merge); }

MpiResult<GoldenId> unlink(IndexStore& store, SourceRecordId record, std::string_view reason) {
  auto golden = store.create_golden();
  if (!golden) return unexpected(golden.error());
  auto linked = store.link(record, *golden, LinkGrade::kManual, reason);
  if (!linked) return unexpected(linked.error());
  return *golden;
}

}  // namespace medgw::mpi

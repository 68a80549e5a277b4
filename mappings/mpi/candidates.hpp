#pragma once
// Blocking: which golden patients a record is compared with. Shared by the resolver (which then
// links) and Patient/$match (which only answers), so both see the same candidates:
// - every golden patient currently linked to a record holding one of the record's link
//   identifiers (identity.hpp), in the order the sender listed them;
// - with demographics: those in the record's demographic block (at most kMaxDemographicBlock; a
//   larger block is too common a name, birth date and sex to link anyone on) and the golden
//   patients of the records sharing one of its blocking keys (match_features.hpp), at most
//   kMaxBlockingBlock records per key, the oldest first, so a match costs the same however large
//   the index grows and the record's other keys bring its true match in.
// Each candidate carries every link identifier it holds (for the conflicting-authority rules).
#include <cstddef>
#include <vector>

#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/matcher.hpp"

namespace medgw::mpi {

inline constexpr std::size_t kMaxDemographicBlock = 20;
inline constexpr std::size_t kMaxBlockingBlock = 50;

// With a `matcher`, a candidate's identifiers (a query each) are read only when
// matcher->needs_identifiers says judging it reads them; without one, always.
MpiResult<std::vector<Candidate>> gather_candidates(const MatchRecord& record, IndexReader& store,
                                                    bool with_demographics, const Matcher* matcher = nullptr);

}  // namespace medgw::mpi

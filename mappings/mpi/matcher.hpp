#pragma once
// The seam between finding candidates and judging them. The resolver gathers candidate golden
// patients by blocking (shared identifiers, the demographic key) and asks a Matcher how each one
// relates to the incoming record; it then links, creates and opens review tasks itself. The exact
// rules (exact_matcher.hpp) are the first Matcher; Fellegi-Sunter scoring over names, birth date,
// sex, phone and address comes later behind the same interface, with more candidate features.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mappings/model/resources.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::mpi {

// The incoming record as the matcher sees it.
struct MatchRecord {
  const model::Patient* patient = nullptr;
  std::vector<IdentifierKey> link_identifiers;
  std::string demographic_key;
};

struct Candidate {
  GoldenId golden = 0;
  std::vector<IdentifierKey> shared_identifiers;  // the record's link identifiers it also holds
  bool same_demographic_key = false;
  std::vector<IdentifierKey> identifiers;         // every link identifier it holds
};

enum class MatchGrade { kNonMatch, kProbable, kCertain };

struct MatchDecision {
  MatchGrade grade = MatchGrade::kNonMatch;
  std::string reason;  // no PHI: which rule decided
};

class Matcher {
 public:
  virtual ~Matcher() = default;
  // One decision per candidate, in the same order.
  virtual std::vector<MatchDecision> judge(const MatchRecord& record,
                                           std::span<const Candidate> candidates) const = 0;
};

using MatcherPtr = std::unique_ptr<Matcher>;

}  // namespace medgw::mpi

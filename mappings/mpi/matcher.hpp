#pragma once
// The seam between finding candidates and judging them. The resolver gathers candidate golden
// patients by blocking (shared identifiers, the demographic key, the blocking keys of
// match_features.hpp) and asks a Matcher how each one relates to the incoming record; it then
// links, creates and opens review tasks itself. The exact rules (exact_matcher.hpp) were the first
// Matcher; Fellegi-Sunter scoring (probabilistic_matcher.hpp) is the one the CRM store uses.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mappings/model/resources.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/match_features.hpp"

namespace medgw::mpi {

// The incoming record as the matcher sees it.
struct MatchRecord {
  const model::Patient* patient = nullptr;
  std::vector<IdentifierKey> link_identifiers;
  std::string demographic_key;
  MatchFeatures features{};
  std::vector<std::string> blocking_keys{};
};

struct Candidate {
  GoldenId golden = 0;
  std::vector<IdentifierKey> shared_identifiers;  // the record's link identifiers it also holds
  bool same_demographic_key = false;
  std::vector<IdentifierKey> identifiers;         // every link identifier it holds (when needs_identifiers)
  std::vector<MatchFeatures> records{};           // its source records found by a blocking key
};

enum class MatchGrade { kNonMatch, kProbable, kCertain };

struct MatchDecision {
  MatchGrade grade = MatchGrade::kNonMatch;
  std::string reason;  // no PHI: which rule decided
  double score{};  // the probabilistic matcher's score of the best record (log2 units)
  std::string field_scores_json{};  // its evidence (match_model.hpp), "" for rule-based decisions
};

class Matcher {
 public:
  virtual ~Matcher() = default;
  // One decision per candidate, in the same order.
  virtual std::vector<MatchDecision> judge(const MatchRecord& record,
                                           std::span<const Candidate> candidates) const = 0;
  // Whether judging `candidate` reads its `identifiers` (every link identifier of the golden
  // patient: a query per candidate, the resolver's costliest read). The resolver loads them only
  // for candidates that need them; the default is all.
  virtual bool needs_identifiers(const MatchRecord& /*record*/, const Candidate& /*candidate*/) const { return true; }
};

using MatcherPtr = std::unique_ptr<Matcher>;

}  // namespace medgw::mpi

#pragma once
// What the patient index needs from storage (DESIGN.md, "The master patient index"). The resolver
// (resolver.hpp) decides; an IndexStore remembers. The CRM store implements it on its own
// connection, inside the transaction of the change set being applied, so a link and the resources
// it carries commit or roll back together. Everything a node keeps in memory about patients can be
// rebuilt from an IndexStore ("Beyond one machine").
//
// Vocabulary:
// - a source record is what one sender says about one patient, named by (sender, key identifier);
// - a golden patient is the one person the archive shows; every source record has exactly one
//   current link to a golden patient, with a grade and a reason. Links are never deleted: a
//   replaced link is kept, marked undone, so every automatic decision can be reviewed and undone;
// - a merged golden patient (ADT^A40) has no current links; its links moved to the survivor.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/model/resources.hpp"

namespace medgw::mpi {

using GoldenId = std::int64_t;
using SourceRecordId = std::int64_t;
using MergeId = std::int64_t;
using ReviewTaskId = std::int64_t;

// How a source record came to be linked to its golden patient.
enum class LinkGrade {
  kCertain,   // a shared identifier within its authority, or a score at or above the link threshold
  kProbable,  // scored between the review and link thresholds (or an exact matcher's same demographic
              // key): a new golden patient of its own, and a review task naming the candidates
  kNew,       // nothing matched: a new golden patient
  kManual,    // an operator's decision (unlink), never overridden automatically
  kMerged,    // moved by a merge (ADT^A40/A34)
};
const char* to_string(LinkGrade grade);
std::optional<LinkGrade> parse_link_grade(std::string_view text);

// An identifier as the index compares it: within its authority (system).
struct IdentifierKey {
  std::string system;
  std::string value;
  bool operator==(const IdentifierKey&) const = default;
};

// A store failure, or a record the index can never accept (retryable = false).
struct MpiError {
  std::string message;  // never PHI: names the element, not its value
  bool retryable = true;
};

template <class T>
using MpiResult = Expected<T, MpiError>;
using Done = std::monostate;

struct SourceLink {
  SourceRecordId source_record = 0;
  GoldenId golden = 0;
  LinkGrade grade = LinkGrade::kNew;
};

// What the resolver stores about a source record.
struct SourceRecordData {
  std::string sender;
  IdentifierKey key;
  const model::Patient* patient = nullptr;      // the record as sent (the latest version wins)
  std::vector<IdentifierKey> link_identifiers;  // only those trusted for linking (identity.hpp)
  std::string demographic_key;                  // empty when a part is missing
  std::vector<std::string> flags;               // e.g. "national-id-invalid"; replaces older flags
  // FHIR: the Patient as received (model::PatientRecord::fhir_json); when set, the store keeps it
  // as the record's document instead of serialising `patient`. Matching uses `patient` only.
  std::string_view fhir_json{};
  // For the probabilistic matcher: the record's comparison values (encode_match_features) and its
  // blocking keys (blocking_keys), both replaced with the record.
  std::string match_features{};
  std::vector<std::string> blocking_keys{};
};

// A source record found by a blocking key: its current golden patient and its comparison values.
struct BlockedRecord {
  SourceRecordId record = 0;
  GoldenId golden = 0;
  std::string match_features;  // encode_match_features; "" for a record stored before they were
};

// Kinds of review task the resolver opens.
inline constexpr std::string_view kReviewIdentifierConflict = "identifier-conflict";
inline constexpr std::string_view kReviewProbableMatch = "probable-match";
inline constexpr std::string_view kReviewNationalIdInvalid = "national-id-invalid";
// Opened by the CRM store for a FHIR Patient.link of type seealso to another golden patient.
inline constexpr std::string_view kReviewSeeAlso = "see-also";

struct ReviewTask {
  std::string kind;
  SourceRecordId source_record = 0;
  GoldenId golden = 0;                  // the golden patient the record is linked to
  std::vector<GoldenId> other_goldens;  // the other candidates
  std::string reason;                   // never PHI
  // The probabilistic matcher's evidence for the best candidate (field_scores_json in
  // match_model.hpp: the score, thresholds, each field's level and weight; never a value). "" when
  // the task does not come from scoring.
  std::string field_scores_json{};
};

// The read side of an IndexStore: what blocking and judging need. Patient/$match (FHIR) asks
// through it on a read-only connection, so matching without resolving can never write.
class IndexReader {
 public:
  virtual ~IndexReader() = default;

  // The source record (sender, key) and its current link; nullopt when unknown.
  virtual MpiResult<std::optional<SourceLink>> find_source_record(std::string_view sender,
                                                                  const IdentifierKey& key) = 0;
  // Golden patients currently linked to a source record holding `id` as a link identifier,
  // distinct, in the order their links were made (oldest first).
  virtual MpiResult<std::vector<GoldenId>> goldens_with_identifier(const IdentifierKey& id) = 0;
  // Golden patients currently linked to a source record with this demographic key, oldest first,
  // at most `limit` of them (a blocking query must stay bounded however common the key).
  virtual MpiResult<std::vector<GoldenId>> goldens_with_demographic_key(std::string_view key, std::size_t limit) = 0;
  // Source records holding blocking key `key`, with their current golden patient, the oldest
  // first, at most `limit` (a block of a very common key stays bounded).
  virtual MpiResult<std::vector<BlockedRecord>> records_with_blocking_key(std::string_view key, std::size_t limit) = 0;
  // Every link identifier of every source record currently linked to `golden`.
  virtual MpiResult<std::vector<IdentifierKey>> identifiers_of_golden(GoldenId golden) = 0;
};

class IndexStore : public IndexReader {
 public:
  virtual MpiResult<GoldenId> create_golden() = 0;
  // Inserts or updates the source record (sender, key): patient, link identifiers, key, flags,
  // comparison values and blocking keys.
  virtual MpiResult<SourceRecordId> upsert_source_record(const SourceRecordData& record) = 0;
  // Makes `golden` the current link of `record`; a previous current link is kept, marked undone.
  virtual MpiResult<Done> link(SourceRecordId record, GoldenId golden, LinkGrade grade,
                               std::string_view reason) = 0;
  // Opens a review task; while one of the same kind is open for the same source record, returns
  // that one instead, so a record re-sent daily does not open a task a day.
  virtual MpiResult<ReviewTaskId> open_review_task(const ReviewTask& task) = 0;

  // Moves every current link of `from` to `into` (grade kMerged), marks `from` merged into `into`
  // and remembers each moved link so undo_merge can restore it exactly.
  virtual MpiResult<MergeId> record_merge(GoldenId from, GoldenId into, std::string_view reason) = 0;
  // Restores the links a merge moved and un-merges its golden patient. Refused (not retryable)
  // when one of those links changed since (a later merge or unlink must be undone first).
  virtual MpiResult<Done> undo_merge(MergeId merge) = 0;

  // Golden patients an operator marked "not the same person" as `golden` (and not undone), each
  // as it stands now: a marked patient merged since is answered by the one it was merged into, and
  // marks made on patients merged into `golden` count for it. The resolver never links a record to
  // one of them on evidence pointing at the other, nor proposes the pair for review again.
  virtual MpiResult<std::vector<GoldenId>> distinct_goldens(GoldenId golden) = 0;
};

}  // namespace medgw::mpi

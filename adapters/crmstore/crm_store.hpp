#pragma once
// The CRM store: the health archive a CRM reads. A destination of the pipeline (DESIGN.md, "The
// path of one message", step 4): it resolves each change set's patient through the MPI and
// applies the change set in one database transaction, idempotently by envelope id, so a
// redelivery after a crash changes nothing. SQLite is the embedded implementation; PostgreSQL
// comes later behind the same interface.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::crmstore {

struct ChangeItem {
  std::uint64_t envelope_id = 0;
  const model::ChangeSet* changes = nullptr;
};

enum class ApplyStatus {
  kApplied,         // written now
  kAlreadyApplied,  // this envelope id was applied before: nothing changed
  kRefused,         // permanent: this change set can never apply (the pipeline parks it)
};

// Why a change set was refused, for callers that answer a client (the FHIR API: 412, 404, 422).
inline constexpr std::string_view kRefusedVersionConflict = "version-conflict";  // If-Match failed
inline constexpr std::string_view kRefusedNotFound = "not-found";                // update of an unknown id
inline constexpr std::string_view kRefusedUnknownSubject = "unknown-subject";    // no such patient
inline constexpr std::string_view kRefusedInvalid = "invalid";                   // anything else

struct ApplyResult {
  ApplyStatus status = ApplyStatus::kApplied;
  std::string reason;  // for kRefused: why, naming the element, never PHI
  std::string_view code{};  // for kRefused: one of kRefused* (braced default: {status, reason} stays valid)
};

struct StoreError {
  std::string message;
  bool retryable = true;  // busy, I/O: back off and retry the batch
};

class CrmStore {
 public:
  virtual ~CrmStore() = default;

  // Applies a batch in one transaction (one fsync); results[i] answers batch[i]. A refused item
  // does not abort the others. An error means nothing of the batch was written.
  virtual Expected<std::vector<ApplyResult>, StoreError> apply(std::span<const ChangeItem> batch) = 0;

  // The golden patient holding identifier (system, value) — any system when `system` is empty —
  // with everything linked to them, as a FHIR Bundle (JSON, type "collection"); nullopt when no
  // patient has it.
  virtual Expected<std::optional<std::string>, StoreError> archive_bundle(std::string_view system,
                                                                           std::string_view value) = 0;
};

using CrmStorePtr = std::unique_ptr<CrmStore>;

}  // namespace medgw::crmstore

#pragma once
// Which of a patient's identifiers the index may trust, and which one names the source record.
//
// Trusted for linking: an identifier with both an authority (system) and a value, not marked
// use=old (retired numbers get reassigned), and, for the national ID, only a valid one (GB 11643
// checksum, consistent with the record's birth date and sex). An invalid national ID counts as
// missing and flags the record: linking two people on a mistyped ID is worse than not linking.
//
// National IDs are compared under one system (kNationalIdSystem) whatever the sender called its
// authority (an Identifier typed NI, or a site's "SFZH"), with a lower-case check digit 'x' folded
// to 'X', so the same person's ID matches across senders.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/model/resources.hpp"
#include "mappings/mpi/index_store.hpp"

namespace medgw::mpi {

inline constexpr std::string_view kNationalIdSystem = "urn:oid:2.16.156.10011.1.1";
inline constexpr std::string_view kFlagNationalIdInvalid = "national-id-invalid";

bool is_national_id(const model::Identifier& id);

// The identifier naming a sender's record of a patient: the first MR/PI/PT-typed identifier,
// else the first other identifier that is not a national ID, else the national ID (a sender may
// know its patients only by it). nullopt when there is no identifier with a value.
std::optional<IdentifierKey> source_key(std::span<const model::Identifier> ids);

struct ScreenedIdentifiers {
  std::vector<IdentifierKey> link;  // trusted for linking, distinct, in the order sent
  std::vector<std::string> flags;   // kFlagNationalIdInvalid
  std::string problem;              // why the national ID was refused (no PHI), empty when fine
};

// `today`: a national ID may not carry a birth date after it.
ScreenedIdentifiers screen_identifiers(const model::Patient& patient, std::chrono::year_month_day today);

}  // namespace medgw::mpi

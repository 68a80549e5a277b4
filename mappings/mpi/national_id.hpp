#pragma once
// The Chinese resident identity number (居民身份证号码, GB 11643-1999), as the MPI uses it for exact
// matching (DESIGN.md, "The master patient index": "national ID with a valid checksum").
//
// Layout of the 18 characters: 6 digits region code (GB/T 2260), 8 digits birth date YYYYMMDD,
// 3 digits sequence (odd: male, even: female), 1 check character (ISO 7064 MOD 11-2, '0'-'9' or
// 'X'). The 15-digit form (before 1999: 2-digit year, no check character) cannot be verified, so
// it is never used to link patients; it is reported as such (a later issue may upgrade it).
//
// Reasons are fixed texts without any part of the number: they go to logs and review tasks.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/model/resources.hpp"

namespace medgw::mpi {

enum class NationalIdProblem {
  kNone,
  kBadLength,      // not 18 characters (and not 15 digits)
  kBadCharacter,   // a non-digit in the first 17, or a check character other than 0-9/X
  kBadRegion,      // region code's first digit outside 1-8
  kBadBirthDate,   // not a real date, before 1800, or after `today`
  kBadChecksum,    // MOD 11-2 check character does not match
  kLegacy15Digit,  // the pre-1999 15-digit form: not verifiable, not used for matching
};

// "bad length", "bad character", "bad region", "bad birth date", "bad checksum", "legacy 15-digit";
// "" for kNone.
std::string_view reason_text(NationalIdProblem problem);

struct NationalIdCheck {
  bool valid = false;  // true only for an 18-character number passing every check
  NationalIdProblem problem = NationalIdProblem::kNone;
  std::string normalised;   // the number trimmed, check character upper-cased ('x' -> 'X')
  std::string region;       // the 6-digit region code
  std::string birth_date;   // "YYYY-MM-DD"; also filled for a 15-digit number whose date is real
  std::string gender;       // "male" | "female"; also filled for a 15-digit number
  std::string_view reason() const { return reason_text(problem); }
};

// The check character for the first 17 digits ('0'-'9' or 'X'); '\0' when `first17` is not exactly
// 17 ASCII digits.
char national_id_check_char(std::string_view first17);

// Checks a number as sent (surrounding spaces ignored, lower-case 'x' accepted). Checks run in a
// fixed order (length, characters, region, birth date, checksum) and the first failure is reported.
// The birth date must not be after `today` (passed in so tests and replays are deterministic).
NationalIdCheck check_national_id(std::string_view id, std::chrono::year_month_day today);

enum class DemographicField { kBirthDate, kGender };

struct NationalIdMismatch {
  DemographicField field;
  std::string_view reason;  // "birth date differs from national ID", "gender differs from national ID"
};

// Compares what a valid national ID says with what the record says. A field the record leaves
// empty is not a mismatch; a partial birth date ("1949", "1949-12") is compared on the precision it
// has; a gender other than male/female ("other", "unknown") contradicts nothing. Returns nothing
// when `id` is not valid (an invalid number says nothing reliable).
std::vector<NationalIdMismatch> cross_check(const NationalIdCheck& id, const model::Patient& patient);

}  // namespace medgw::mpi

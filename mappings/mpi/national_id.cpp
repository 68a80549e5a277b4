#include "mappings/mpi/national_id.hpp"

#include <array>
#include <cstdio>

namespace medgw::mpi {
namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";  // indexed by (sum of weighted digits) mod 11

// GB 11643 numbers exist only for people born after the 19th century began; an earlier year is a
// data-entry error, not a centenarian.
constexpr int kEarliestYear = 1800;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "YYYY-MM-DD" when the 8 digits are a real date in [kEarliestYear, today]; "" otherwise.
std::string birth_date_of(int year, int month, int day, std::chrono::year_month_day today) {
  using namespace std::chrono;
  const year_month_day d{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!d.ok() || year < kEarliestYear || sys_days{d} > sys_days{today}) return {};
  char buf[40];  // room for any int, though callers pass 4/2/2 digits
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::string_view gender_of(char sequence_digit) { return (sequence_digit - '0') % 2 == 1 ? "male" : "female"; }

NationalIdCheck fail(NationalIdCheck c, NationalIdProblem p) {
  c.valid = false;
  c.problem = p;
  return c;
}

NationalIdCheck check_legacy(std::string_view id, std::chrono::year_month_day today) {
  // 15 digits: region(6) YYMMDD(6) sequence(3). Every such number was issued to someone born in
  // the 1900s, so the century is implied.
  NationalIdCheck c;
  c.normalised = std::string(id);
  c.region = std::string(id.substr(0, 6));
  c.birth_date = birth_date_of(1900 + number(id.substr(6, 2)), number(id.substr(8, 2)), number(id.substr(10, 2)), today);
  c.gender = gender_of(id[14]);
  return fail(std::move(c), NationalIdProblem::kLegacy15Digit);
}

}  // namespace

std::string_view reason_text(NationalIdProblem problem) {
  switch (problem) {
    case NationalIdProblem::kNone: return "";
    case NationalIdProblem::kBadLength: return "bad length";
    case NationalIdProblem::kBadCharacter: return "bad character";
    case NationalIdProblem::kBadRegion: return "bad region";
    case NationalIdProblem::kBadBirthDate: return "bad birth date";
    case NationalIdProblem::kBadChecksum: return "bad checksum";
    case NationalIdProblem::kLegacy15Digit: return "legacy 15-digit";
  }
  return "unknown problem";
}

char national_id_check_char(std::string_view first17) {
  if (first17.size() != 17 || !all_digits(first17)) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[static_cast<std::size_t>(sum % 11)];
}

NationalIdCheck check_national_id(std::string_view raw, std::chrono::year_month_day today) {
  const std::string_view id = trim(raw);
  NationalIdCheck c;
  if (id.size() == 15 && all_digits(id)) return check_legacy(id, today);
  if (id.size() != 18) return fail(std::move(c), NationalIdProblem::kBadLength);

  c.normalised = std::string(id);
  if (c.normalised[17] == 'x') c.normalised[17] = 'X';
  const std::string_view n = c.normalised;
  const char check = n[17];
  if (!all_digits(n.substr(0, 17)) || !((check >= '0' && check <= '9') || check == 'X')) {
    c.normalised.clear();  // not a number at all: nothing worth keeping
    return fail(std::move(c), NationalIdProblem::kBadCharacter);
  }
  c.region = std::string(n.substr(0, 6));
  if (n[0] < '1' || n[0] > '8') return fail(std::move(c), NationalIdProblem::kBadRegion);
  c.birth_date = birth_date_of(number(n.substr(6, 4)), number(n.substr(10, 2)), number(n.substr(12, 2)), today);
  if (c.birth_date.empty()) return fail(std::move(c), NationalIdProblem::kBadBirthDate);
  c.gender = gender_of(n[16]);
  if (national_id_check_char(n.substr(0, 17)) != check) return fail(std::move(c), NationalIdProblem::kBadChecksum);
  c.valid = true;
  return c;
}

std::vector<NationalIdMismatch> cross_check(const NationalIdCheck& id, const model::Patient& patient) {
  std::vector<NationalIdMismatch> out;
  if (!id.valid) return out;
  // A FHIR date may be "YYYY", "YYYY-MM" or "YYYY-MM-DD"; compare only what the record states.
  // A dateTime-shaped value ("1949-12-31T...") is compared on its date.
  std::string_view bd = patient.birth_date;
  if (bd.size() > 10) bd = bd.substr(0, 10);
  if (!bd.empty() && std::string_view(id.birth_date).substr(0, bd.size()) != bd) {
    out.push_back({DemographicField::kBirthDate, "birth date differs from national ID"});
  }
  if ((patient.gender == "male" || patient.gender == "female") && patient.gender != id.gender) {
    out.push_back({DemographicField::kGender, "gender differs from national ID"});
  }
  return out;
}

}  // namespace medgw::mpi

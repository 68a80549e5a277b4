#include "mappings/mpi/identity.hpp"

#include <algorithm>

#include "mappings/mpi/national_id.hpp"

namespace medgw::mpi {
namespace {

bool has_type_code(const model::Identifier& id, std::string_view code) {
  return std::any_of(id.type.coding.begin(), id.type.coding.end(),
                     [&](const model::Coding& c) { return c.code == code; });
}

bool is_patient_number(const model::Identifier& id) {
  return has_type_code(id, "MR") || has_type_code(id, "PI") || has_type_code(id, "PT");
}

void add_distinct(std::vector<IdentifierKey>& keys, IdentifierKey key) {
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
}

}  // namespace

bool is_national_id(const model::Identifier& id) {
  return id.system == kNationalIdSystem || has_type_code(id, "NI");
}

std::optional<IdentifierKey> source_key(std::span<const model::Identifier> ids) {
  const model::Identifier* other = nullptr;
  const model::Identifier* national = nullptr;
  for (const auto& id : ids) {
    if (id.value.empty()) continue;
    if (is_patient_number(id) && !is_national_id(id)) return IdentifierKey{id.system, id.value};
    if (is_national_id(id)) {
      if (national == nullptr) national = &id;
    } else if (other == nullptr) {
      other = &id;
    }
  }
  if (other != nullptr) return IdentifierKey{other->system, other->value};
  if (national != nullptr) return IdentifierKey{national->system, national->value};
  return std::nullopt;
}

ScreenedIdentifiers screen_identifiers(const model::Patient& patient, std::chrono::year_month_day today) {
  ScreenedIdentifiers out;
  for (const auto& id : patient.identifier) {
    if (id.value.empty() || id.use == "old") continue;
    if (is_national_id(id)) {
      const NationalIdCheck check = check_national_id(id.value, today);
      std::string problem;
      if (!check.valid) {
        problem = std::string(check.reason());
      } else if (auto mismatches = cross_check(check, patient); !mismatches.empty()) {
        problem = std::string(mismatches.front().reason);
      }
      if (!problem.empty()) {
        if (out.problem.empty()) out.problem = std::move(problem);
        continue;
      }
      add_distinct(out.link, {std::string(kNationalIdSystem), check.normalised});
    } else if (!id.system.empty()) {
      add_distinct(out.link, {id.system, id.value});
    }
  }
  if (!out.problem.empty()) out.flags.emplace_back(kFlagNationalIdInvalid);
  return out;
}

}  // namespace medgw::mpi

#include "mappings/sites/unit_normaliser.hpp"

#include <string_view>

#include "mappings/sites/decimal_scale.hpp"

namespace medgw::sites {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* lookup(const UnitRules& rules, std::string_view unit) {
  auto it = rules.ucum_of.find(trim(unit));
  return it == rules.ucum_of.end() ? nullptr : &it->second;
}

}  // namespace

UnitOutcome normalise_quantity(const UnitRules& rules, const std::vector<UnitConversion>* conversions,
                               model::Quantity& q) {
  if (!rules.enabled) return UnitOutcome::kOk;
  if (trim(q.unit).empty() && trim(q.code).empty()) return UnitOutcome::kOk;  // unitless (pH, ratios, titres)
  const std::string* ucum = nullptr;
  if (!q.code.empty()) ucum = lookup(rules, q.code);
  if (!ucum && !q.unit.empty()) ucum = lookup(rules, q.unit);
  std::string code;
  if (ucum) {
    code = *ucum;
  } else if (q.system == kUcumSystem && !trim(q.code).empty()) {
    code = std::string(trim(q.code));
  } else {
    return UnitOutcome::kUnknownUnit;
  }
  q.system = std::string(kUcumSystem);
  q.code = code;
  q.unit = code;
  if (!conversions || q.value.empty()) return UnitOutcome::kOk;
  for (const auto& c : *conversions) {
    if (c.from != code) continue;
    auto scaled = scale_decimal(q.value.text, c.factor);
    if (!scaled) return UnitOutcome::kNotADecimal;
    q.value.text = std::move(*scaled);
    q.code = c.to;
    q.unit = c.to;
    break;
  }
  return UnitOutcome::kOk;
}

}  // namespace medgw::sites

#pragma once
// Brings one Quantity to UCUM as the site's units section says: the unit text as sent ("MMOL/L",
// "10^9/L", "μmol/L") becomes the UCUM code (mmol/L, 10*9/L, umol/L) in Quantity.code, with
// system http://unitsofmeasure.org and the same text in Quantity.unit; then, when the observation's
// code has a conversion from that unit, the value is converted (decimal_scale.hpp says how it is
// rounded). Idempotent: normalising twice changes nothing more.
#include <vector>

#include "mappings/model/datatypes.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::sites {

enum class UnitOutcome {
  kOk,            // normalised, converted, or nothing to do (no unit, or the site has no units section)
  kUnknownUnit,   // the unit text is not in the site's table and the sender did not claim UCUM
  kNotADecimal,   // a conversion applies but the value is not a decimal: left in its sent unit
};

// `conversions` are those for the observation's code (nullptr: none). A unit the sender already
// sent as UCUM (Quantity.system is UCUM) is trusted even when the site's table does not list it.
UnitOutcome normalise_quantity(const UnitRules& rules, const std::vector<UnitConversion>* conversions,
                               model::Quantity& quantity);

}  // namespace medgw::sites

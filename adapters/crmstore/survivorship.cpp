#include "adapters/crmstore/survivorship.hpp"

namespace medgw::crmstore {

// These texts are the config's values: never rename one.
const char* to_string(SurvivorshipRule rule) {
  switch (rule) {
    case SurvivorshipRule::kMostRecent: return "most_recent";
    case SurvivorshipRule::kMostTrusted: return "most_trusted";
  }
  return "most_recent";
}

std::optional<SurvivorshipRule> parse_survivorship_rule(std::string_view text) {
  for (auto r : {SurvivorshipRule::kMostRecent, SurvivorshipRule::kMostTrusted}) {
    if (text == to_string(r)) return r;
  }
  return std::nullopt;
}

}  // namespace medgw::crmstore

#pragma once
// Readers for the three XML files of a profile set. Input is untrusted (a vendor may bring its own
// profile): libxml2 hardened as for FHIR XML (no DTD, no entities, no network, size and depth
// bounded), and every number read is range-checked.
#include <string>
#include <string_view>

#include "conformance/profile.hpp"
#include "conformance/site_rules.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::conformance {

// The root element's name: "HL7v2xConformanceProfile" (or "ConformanceProfile"),
// "ValueSetLibrary", "SiteProfile"; "" when the text is not XML within the limits.
std::string xml_root_name(std::string_view xml);

Expected<MessageProfile, std::string> read_message_profile(std::string_view xml);
Expected<ValueSets, std::string> read_value_sets(std::string_view xml);
Expected<SiteRules, std::string> read_site_rules(std::string_view xml);

// "R", "RE", "O", "C", "CE", "X", "W", "B"; nullopt for anything else.
std::optional<Usage> parse_usage(std::string_view text);

}  // namespace medgw::conformance

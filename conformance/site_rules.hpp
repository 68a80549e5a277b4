#pragma once
// Site rules: what one hospital requires on top of the message profiles it builds on, read from
// the profile directory's site.xml (a medgw format; the HL7 schema has no place for these):
//
//   <SiteProfile Name="cn-his" Base="../medgw" DefaultCharset="GBK">
//     <NationalId Segment="PID" Field="3" Authority="SFZH" IdentifierType="NI"/>
//     <Override Segment="PID" Field="8" Component="1" Usage="R" Table="0001"
//               AlsoAccepted="GBT2261.1" Note="..."/>
//   </SiteProfile>
//
// NationalId: every repetition of that CX field whose assigning authority (CX.4.1) or identifier
// type (CX.5) matches holds a resident identity number whose checksum must be right.
// Override: changes usage or binding of one field or component in every message profile.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "conformance/profile.hpp"

namespace medgw::conformance {

struct NationalIdRule {
  std::string segment = "PID";
  std::size_t field = 3;
  std::string authority;        // CX.4.1, e.g. "SFZH"
  std::string identifier_type;  // CX.5, e.g. "NI"
};

struct Override {
  std::string segment;
  std::size_t field = 0;
  std::size_t component = 0;  // 0: the field itself
  std::optional<Usage> usage;
  std::string table;          // "" keeps the profile's
  Binding site;
};

struct SiteRules {
  std::string name;
  std::string description;
  std::string base;             // directory of the profile set this one builds on, relative
  std::string default_charset;  // for messages without MSH-18, as the site's sources are set up
  std::vector<NationalIdRule> national_ids;
  std::vector<Override> overrides;
};

}  // namespace medgw::conformance

#pragma once
// A profile set: the directory `medgw conformance validate --profile` names. It holds message
// profiles (HL7 v2.x Conformance Profile XML, one message type each), value sets (ValueSetLibrary
// XML) and optionally site.xml, whose Base attribute names the set it is layered on: the base is
// read first, then this directory's files replace or add to it, then the overrides apply.
#include <cstddef>
#include <string>
#include <vector>

#include "conformance/profile.hpp"
#include "conformance/site_rules.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::conformance {

struct ProfileSet {
  std::string name;  // site name, else the directory's name
  std::vector<MessageProfile> messages;
  ValueSets value_sets;
  SiteRules site;  // merged along the Base chain: the topmost site's rules last

  // The profile for MSH-9 (code, event, structure). The structure decides when both sides have
  // one; otherwise code and event must match.
  const MessageProfile* find(std::string_view code, std::string_view event, std::string_view structure) const;
};

struct ProfileLimits {
  std::size_t max_file_bytes = 4u << 20;
  std::size_t max_files = 256;
  std::size_t max_base_depth = 4;
};

// Reads a directory. The error names the file and what is wrong with it.
Expected<ProfileSet, std::string> load_profile_set(const std::string& directory, const ProfileLimits& limits = {});

// `name_or_path` is a directory, or the name of a set shipped with medgw (conformance/profiles/
// <name>), looked up in $MEDGW_CONFORMANCE_DIR, next to the binary's share directory, then the
// source tree it was built from. "" when not found.
std::string resolve_profile_dir(const std::string& name_or_path);
// The same lookup for a suite (conformance/suites/<name>).
std::string resolve_suite_dir(const std::string& name_or_path);

}  // namespace medgw::conformance

#pragma once
// Loads a site profile (site_profile.hpp) from YAML. Validated like the gateway config: unknown
// keys, duplicate keys, wrong types, unknown charsets and identifier kinds, unreadable or malformed
// code maps are errors naming the file, line and key:
//   cn-hospital.yaml:14: identifiers.authorities.SFZH.kind: must be one of mrn, national_id, ...
// The schema, with every key, is in deploy/sites/cn-hospital.yaml.
#include <string>

#include "gateway/core/expected.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::sites {

// Code map paths in the file are relative to the file's own folder. Never throws.
Expected<SiteProfile, std::string> load_site_profile(const std::string& path);

// The same over text already read: `name` stands for the file in messages, `base_dir` is where
// relative code map paths start.
Expected<SiteProfile, std::string> parse_site_profile(const std::string& yaml_text, const std::string& name,
                                                      const std::string& base_dir);

}  // namespace medgw::sites

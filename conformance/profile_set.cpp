#include "conformance/profile_set.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "conformance/profile_reader.hpp"

#ifndef MEDGW_CONFORMANCE_SOURCE_DIR
#define MEDGW_CONFORMANCE_SOURCE_DIR ""
#endif

namespace medgw::conformance {
namespace fs = std::filesystem;
namespace {

Expected<std::string, std::string> slurp(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return unexpected(path.string() + ": " + ec.message());
  if (size > max_bytes) return unexpected(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return unexpected(path.string() + ": cannot be read");
  return text;
}

// Applies one override to the fields (or components) it names in every profile.
void apply(const Override& o, std::vector<GrammarNode>& nodes) {
  for (GrammarNode& n : nodes) {
    if (n.is_group) {
      apply(o, n.children);
      continue;
    }
    if (n.name != o.segment || o.field > n.segment->fields.size()) continue;
    FieldDef& f = n.segment->fields[o.field - 1];
    auto set = [&o](auto& def) {
      if (o.usage) def.usage = *o.usage;
      if (!o.table.empty()) def.table = o.table;
      if (!o.site.also_accepted.empty()) def.site = o.site;
    };
    if (o.component == 0) {
      set(f);
      if (o.usage == Usage::kRequired && f.min == 0) f.min = 1;
    } else if (o.component <= f.components.size()) {
      set(f.components[o.component - 1]);
    }
  }
}

Expected<ProfileSet, std::string> load(const fs::path& dir, const ProfileLimits& limits, std::size_t depth) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return unexpected(dir.string() + ": not a directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".xml") files.push_back(entry.path());
    if (files.size() > limits.max_files) return unexpected(dir.string() + ": more than " + std::to_string(limits.max_files) + " files");
  }
  if (ec) return unexpected(dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  ProfileSet set;
  set.name = dir.filename().string();
  std::vector<MessageProfile> own;
  ValueSets own_sets;
  std::optional<SiteRules> site;
  for (const fs::path& file : files) {
    auto text = slurp(file, limits.max_file_bytes);
    if (!text) return unexpected(text.error());
    const std::string root = xml_root_name(*text);
    const std::string label = file.string() + ": ";
    if (root == "HL7v2xConformanceProfile" || root == "ConformanceProfile") {
      auto p = read_message_profile(*text);
      if (!p) return unexpected(label + p.error());
      own.push_back(std::move(*p));
    } else if (root == "ValueSetLibrary") {
      auto v = read_value_sets(*text);
      if (!v) return unexpected(label + v.error());
      for (auto& [id, vs] : *v) own_sets[id] = std::move(vs);
    } else if (root == "SiteProfile") {
      auto s = read_site_rules(*text);
      if (!s) return unexpected(label + s.error());
      site = std::move(*s);
    } else if (root.empty()) {
      // Say why: the readers give the parser's reason.
      auto p = read_message_profile(*text);
      return unexpected(label + (p ? std::string("not readable") : p.error()));
    } else {
      return unexpected(label + "unknown root element " + root);
    }
  }

  if (site && !site->base.empty()) {
    if (depth >= limits.max_base_depth) return unexpected(dir.string() + ": Base chain deeper than " + std::to_string(limits.max_base_depth));
    auto base = load(dir / site->base, limits, depth + 1);
    if (!base) return unexpected(base.error());
    set.messages = std::move(base->messages);
    set.value_sets = std::move(base->value_sets);
    set.site = std::move(base->site);
  }
  for (MessageProfile& p : own) {
    auto same = std::find_if(set.messages.begin(), set.messages.end(), [&p](const MessageProfile& m) {
      return m.message_type == p.message_type && m.event_type == p.event_type;
    });
    if (same != set.messages.end()) *same = std::move(p);
    else set.messages.push_back(std::move(p));
  }
  for (auto& [id, vs] : own_sets) set.value_sets[id] = std::move(vs);
  if (site) {
    for (const Override& o : site->overrides) {
      for (MessageProfile& m : set.messages) apply(o, m.grammar);
    }
    if (!site->name.empty()) set.name = site->name;
    set.site.name = site->name;
    set.site.description = site->description;
    if (!site->default_charset.empty()) set.site.default_charset = site->default_charset;
    for (auto& r : site->national_ids) set.site.national_ids.push_back(r);
    for (auto& o : site->overrides) set.site.overrides.push_back(o);
  }
  if (set.messages.empty()) return unexpected(dir.string() + ": no message profile");
  return set;
}

std::string resolve(const std::string& name_or_path, const char* kind) {
  std::error_code ec;
  if (fs::is_directory(name_or_path, ec)) return name_or_path;
  // A bare name only: "../x" or "/x" that is not a directory is not looked up elsewhere.
  if (name_or_path.empty() || name_or_path.find('/') != std::string::npos) return {};
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("MEDGW_CONFORMANCE_DIR"); env != nullptr && *env) roots.emplace_back(env);
  // Installed: <prefix>/bin/medgw -> <prefix>/share/medgw/conformance.
  if (fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec) {
    roots.push_back(self.parent_path().parent_path() / "share" / "medgw" / "conformance");
  }
  if (*MEDGW_CONFORMANCE_SOURCE_DIR) roots.emplace_back(MEDGW_CONFORMANCE_SOURCE_DIR);
  for (const fs::path& root : roots) {
    fs::path candidate = root / kind / name_or_path;
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return {};
}

}  // namespace

const MessageProfile* ProfileSet::find(std::string_view code, std::string_view event, std::string_view structure) const {
  for (const MessageProfile& m : messages) {
    if (m.message_type == code && m.event_type == event) return &m;
  }
  // Events sharing a structure (A04 and A08 are ADT_A01) are found through MSH-9.3.
  if (!structure.empty()) {
    for (const MessageProfile& m : messages) {
      if (m.structure == structure && m.message_type == code) return &m;
    }
  }
  return nullptr;
}

Expected<ProfileSet, std::string> load_profile_set(const std::string& directory, const ProfileLimits& limits) {
  return load(fs::path(directory), limits, 0);
}

std::string resolve_profile_dir(const std::string& name_or_path) { return resolve(name_or_path, "profiles"); }
std::string resolve_suite_dir(const std::string& name_or_path) { return resolve(name_or_path, "suites"); }

}  // namespace medgw::conformance

#include "mappings/sites/site_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "mappings/hl7v2/charset.hpp"
#include "mappings/sites/code_map_csv.hpp"
#include "mappings/sql/row_mapping_reader.hpp"

namespace medgw::sites {
namespace {

// Errors are exceptions inside this file only (start-up time), turned into a value at the
// boundary, as in gateway/config.
struct SiteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string path_of(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

class Reader {
 public:
  Reader(std::string name, std::string base_dir) : name_(std::move(name)), base_dir_(std::move(base_dir)) {}

  SiteProfile read(const YAML::Node& root) {
    SiteProfile site;
    site.file = name_;
    if (!root || root.IsNull()) fail(root, "site profile", "empty");
    check_keys(root, "", {"site", "description", "identifiers", "sources", "code_maps", "units", "db_rows"});
    site.name = text(root, "", "site", true);
    site.description = text(root, "", "description", false);
    if (YAML::Node n = root["identifiers"]) read_identifiers(n, site.identifiers);
    if (YAML::Node n = root["sources"]) read_sources(n, site.sources);
    if (YAML::Node n = root["code_maps"]) read_code_maps(n, site.codes);
    if (YAML::Node n = root["units"]) read_units(n, site.units);
    if (YAML::Node n = root["db_rows"]) {
      auto rows = sql::read_row_mappings(n);
      if (!rows) {
        const auto& e = rows.error();
        throw SiteError(name_ + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ": " + e.where + ": " + e.why);
      }
      site.db_rows = std::move(*rows);
    }
    return site;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& where, const std::string& why) const {
    std::string location = name_;
    if (at.IsDefined() && at.Mark().line >= 0) location += ":" + std::to_string(at.Mark().line + 1);
    throw SiteError(location + ": " + where + ": " + why);
  }

  void check_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) const {
    if (!node.IsMap()) fail(node, where.empty() ? "site profile" : where, "expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, path_of(where, key), "unknown key (allowed here: " + list + ")");
      }
      if (!seen.insert(key).second) fail(kv.first, path_of(where, key), "appears twice");
    }
  }

  // A scalar; a null (`key:` with nothing after it) reads as "".
  std::string text(const YAML::Node& node, const std::string& where, const std::string& key, bool required) const {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) {
      if (required) fail(node, path_of(where, key), "required");
      return {};
    }
    if (!v.IsScalar()) fail(v, path_of(where, key), "expected text");
    if (required && v.Scalar().empty()) fail(v, path_of(where, key), "must not be empty");
    return v.Scalar();
  }

  bool flag(const YAML::Node& node, const std::string& where, const std::string& key, bool fallback) const {
    const YAML::Node v = node[key];
    if (!v) return fallback;
    try {
      if (!v.IsScalar()) throw YAML::Exception(v.Mark(), "");
      return v.as<bool>();
    } catch (const YAML::Exception&) {
      fail(v, path_of(where, key), "expected true or false");
    }
  }

  void check_uri(const YAML::Node& at, const std::string& where, const std::string& uri, bool allow_template) const {
    if (uri.find(':') == std::string::npos || uri.find_first_of(" \t") != std::string::npos) {
      fail(at, where, "'" + uri + "' is not a URI (http://..., urn:oid:...)");
    }
    if (!allow_template && uri.find('{') != std::string::npos) {
      fail(at, where, "{authority} is only allowed in identifiers.unknown_authority.system");
    }
  }

  IdentifierRule read_rule(const YAML::Node& n, const std::string& where, bool unknown_rule, bool* warn) const {
    if (unknown_rule) {
      check_keys(n, where, {"system", "type", "use", "kind", "warn"});
    } else {
      check_keys(n, where, {"system", "type", "use", "kind"});
    }
    IdentifierRule r;
    r.system = text(n, where, "system", true);
    check_uri(n["system"], path_of(where, "system"), r.system, unknown_rule);
    r.type = text(n, where, "type", false);
    if (!r.type.empty()) {
      bool ok = r.type.size() <= 5;
      for (char c : r.type) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
      if (!ok) fail(n["type"], path_of(where, "type"), "expected a table 0203 code (MR, NI, SN, PI, ...)");
    }
    r.use = text(n, where, "use", false);
    if (!r.use.empty() && r.use != "usual" && r.use != "official" && r.use != "temp" && r.use != "secondary" &&
        r.use != "old") {
      fail(n["use"], path_of(where, "use"), "must be one of usual, official, temp, secondary, old");
    }
    const std::string kind = text(n, where, "kind", false);
    if (kind.empty() || kind == "other") {
      r.kind = IdentifierKind::kOther;
    } else if (kind == "mrn") {
      r.kind = IdentifierKind::kMrn;
    } else if (kind == "national_id") {
      r.kind = IdentifierKind::kNationalId;
    } else if (kind == "insurance") {
      r.kind = IdentifierKind::kInsurance;
    } else {
      fail(n["kind"], path_of(where, "kind"), "must be one of mrn, national_id, insurance, other");
    }
    if (warn) *warn = flag(n, where, "warn", true);
    return r;
  }

  AuthorityRules read_authorities(const YAML::Node& n, const std::string& where) const {
    if (!n.IsMap()) fail(n, where, "expected a mapping of assigning authority (CX.4.1) to its rule");
    AuthorityRules rules;
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string authority = kv.first.Scalar();
      if (authority.empty()) fail(kv.first, where, "an assigning authority must not be empty");
      if (!seen.insert(authority).second) fail(kv.first, path_of(where, authority), "appears twice");
      rules[authority] = read_rule(kv.second, path_of(where, authority), false, nullptr);
    }
    return rules;
  }

  void read_identifiers(const YAML::Node& n, IdentifierRules& out) const {
    check_keys(n, "identifiers", {"authorities", "unknown_authority"});
    if (YAML::Node a = n["authorities"]) out.by_authority = read_authorities(a, "identifiers.authorities");
    if (YAML::Node u = n["unknown_authority"]) {
      out.unknown_authority = read_rule(u, "identifiers.unknown_authority", true, &out.warn_unknown_authority);
    }
  }

  void read_sources(const YAML::Node& n, std::vector<SourceProfile>& out) const {
    if (!n.IsSequence()) fail(n, "sources", "expected a list");
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node s = n[i];
      const std::string where = "sources[" + std::to_string(i) + "]";
      check_keys(s, where,
                 {"sender", "source", "charset", "default_assigner", "local_code_system", "authorities", "require_code_maps"});
      SourceProfile p;
      p.sender = text(s, where, "sender", false);
      p.source = text(s, where, "source", false);
      if (p.sender.empty() && p.source.empty()) {
        fail(s, where, "needs a sender (MSH-3^MSH-4, \"APP^FACILITY\") or a source (listener name), or both");
      }
      if (!p.sender.empty() && p.sender.find('^') == std::string::npos) {
        fail(s["sender"], path_of(where, "sender"), "expected MSH-3^MSH-4 as \"APP^FACILITY\"");
      }
      if (!seen.insert({p.sender, p.source}).second) fail(s, where, "another source has the same sender and source");
      p.charset = text(s, where, "charset", false);
      if (!p.charset.empty()) {
        auto cs = hl7v2::find_charset(p.charset);
        if (!cs || !cs->supported) fail(s["charset"], path_of(where, "charset"), "unknown or unsupported charset '" + p.charset + "'");
      }
      p.default_assigner = text(s, where, "default_assigner", false);
      p.local_code_system = text(s, where, "local_code_system", false);
      p.require_code_maps = flag(s, where, "require_code_maps", false);
      if (YAML::Node a = s["authorities"]) p.authorities = read_authorities(a, path_of(where, "authorities"));
      out.push_back(std::move(p));
    }
  }

  void read_code_maps(const YAML::Node& n, CodeMaps& out) const {
    if (!n.IsSequence()) fail(n, "code_maps", "expected a list of CSV files");
    struct Origin {
      std::string file;
      std::size_t line;
    };
    std::map<std::pair<std::string, std::string>, Origin> origin;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string where = "code_maps[" + std::to_string(i) + "]";
      if (!n[i].IsScalar() || n[i].Scalar().empty()) fail(n[i], where, "expected a CSV file name");
      std::filesystem::path file = n[i].Scalar();
      if (file.is_relative() && !base_dir_.empty()) file = std::filesystem::path(base_dir_) / file;
      auto rows = read_code_map_csv(file.string());
      if (!rows) fail(n[i], where, rows.error());
      for (const auto& r : *rows) {
        const auto key = std::make_pair(r.source_system, r.source_code);
        model::Coding target{r.target_system, "", r.target_code, r.target_display};
        auto [it, inserted] = out.by_source.emplace(key, target);
        if (!inserted) {
          const Origin& o = origin[key];
          if (it->second.system != target.system || it->second.code != target.code) {
            fail(n[i], where,
                 file.string() + ":" + std::to_string(r.line) + ": source code '" + r.source_code + "' of system '" +
                     r.source_system + "' is already mapped to another code at " + o.file + ":" +
                     std::to_string(o.line));
          }
          continue;
        }
        origin[key] = Origin{file.string(), r.line};
        out.target_systems.insert(r.target_system);
      }
    }
  }

  void read_units(const YAML::Node& n, UnitRules& out) const {
    check_keys(n, "units", {"ucum", "conversions"});
    out.enabled = true;
    if (YAML::Node u = n["ucum"]) {
      if (!u.IsMap()) fail(u, "units.ucum", "expected a mapping of UCUM code to the unit texts senders use for it");
      for (const auto& kv : u) {
        const std::string code = kv.first.Scalar();
        const std::string where = path_of("units.ucum", code);
        if (code.empty() || code.find_first_of(" \t") != std::string::npos) {
          fail(kv.first, "units.ucum", "'" + code + "' is not a UCUM code");
        }
        add_synonym(out, kv.first, where, code, code);
        const YAML::Node syns = kv.second;
        if (!syns || syns.IsNull()) continue;
        if (!syns.IsSequence()) fail(syns, where, "expected a list of unit texts");
        for (const auto& s : syns) {
          if (!s.IsScalar() || s.Scalar().empty()) fail(s, where, "expected a unit text");
          add_synonym(out, s, where, s.Scalar(), code);
        }
      }
    }
    if (YAML::Node c = n["conversions"]) {
      if (!c.IsSequence()) fail(c, "units.conversions", "expected a list");
      std::set<std::string> targets;
      for (const auto& [text_, code] : out.ucum_of) targets.insert(code);
      for (std::size_t i = 0; i < c.size(); ++i) {
        const YAML::Node e = c[i];
        const std::string where = "units.conversions[" + std::to_string(i) + "]";
        check_keys(e, where, {"system", "code", "from", "to", "factor"});
        std::string system = text(e, where, "system", false);
        if (system.empty()) system = "http://loinc.org";
        check_uri(e["system"] ? e["system"] : e, path_of(where, "system"), system, false);
        const std::string code = text(e, where, "code", true);
        UnitConversion conv;
        conv.from = text(e, where, "from", true);
        conv.to = text(e, where, "to", true);
        for (const char* key : {"from", "to"}) {
          const std::string& unit = std::string(key) == "from" ? conv.from : conv.to;
          if (!targets.count(unit)) {
            fail(e[key], path_of(where, key), "'" + unit + "' is not a UCUM code listed under units.ucum");
          }
        }
        if (conv.from == conv.to) fail(e["to"], path_of(where, "to"), "must differ from 'from'");
        conv.factor_text = text(e, where, "factor", true);
        char* end = nullptr;
        conv.factor = std::strtold(conv.factor_text.c_str(), &end);
        if (end == conv.factor_text.c_str() || *end != '\0' || !std::isfinite(conv.factor) || conv.factor <= 0) {
          fail(e["factor"], path_of(where, "factor"), "expected a positive number");
        }
        auto& list = out.conversions[{system, code}];
        for (const auto& other : list) {
          if (other.from == conv.from) fail(e, where, "a conversion from '" + conv.from + "' for this code already exists");
        }
        list.push_back(std::move(conv));
      }
    }
  }

  void add_synonym(UnitRules& out, const YAML::Node& at, const std::string& where, const std::string& unit,
                   const std::string& code) const {
    auto [it, inserted] = out.ucum_of.emplace(unit, code);
    if (!inserted && it->second != code) {
      fail(at, where, "'" + unit + "' already stands for '" + it->second + "'");
    }
  }

  std::string name_;
  std::string base_dir_;
};

}  // namespace

Expected<SiteProfile, std::string> parse_site_profile(const std::string& yaml_text, const std::string& name,
                                                      const std::string& base_dir) {
  try {
    return Reader(name, base_dir).read(YAML::Load(yaml_text));
  } catch (const SiteError& e) {
    return unexpected(std::string(e.what()));
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message already carries "line L, column C".
    return unexpected(name + ": YAML: " + std::string(e.what()));
  } catch (const std::exception& e) {
    return unexpected(name + ": " + std::string(e.what()));
  }
}

Expected<SiteProfile, std::string> load_site_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read site profile '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_site_profile(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace medgw::sites

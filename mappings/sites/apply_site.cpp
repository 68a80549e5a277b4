#include "mappings/sites/apply_site.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "mappings/sites/unit_normaliser.hpp"

namespace medgw::sites {
namespace {

// Warnings are read by an operator; one per distinct problem per message is enough.
void warn(model::ChangeSet& changes, std::string message) {
  if (std::find(changes.warnings.begin(), changes.warnings.end(), message) == changes.warnings.end()) {
    changes.warnings.push_back(std::move(message));
  }
}

// CX.4.1 inside a URI: RFC 3986 unreserved characters stay, everything else is %-encoded.
std::string uri_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string fill_template(const std::string& system, std::string_view authority) {
  std::string out = system;
  const std::string_view placeholder = "{authority}";
  for (auto pos = out.find(placeholder); pos != std::string::npos; pos = out.find(placeholder, pos)) {
    const std::string escaped = uri_escape(authority);
    out.replace(pos, placeholder.size(), escaped);
    pos += escaped.size();
  }
  return out;
}

const IdentifierRule* find_rule(const AuthorityRules& rules, std::string_view authority) {
  auto it = rules.find(authority);
  return it == rules.end() ? nullptr : &it->second;
}

void retype(const SiteProfile& site, const SourceProfile* source, model::Identifier& id, model::ChangeSet& changes) {
  const std::string& authority = !id.assigner.empty() ? id.assigner
                                 : source != nullptr  ? source->default_assigner
                                                      : id.assigner;
  if (authority.empty()) return;  // nothing to type by: the mapping's typing (CX.5) stands
  const IdentifierRule* rule = source != nullptr ? find_rule(source->authorities, authority) : nullptr;
  if (rule == nullptr) rule = find_rule(site.identifiers.by_authority, authority);
  bool from_template = false;
  if (rule == nullptr && site.identifiers.unknown_authority) {
    rule = &*site.identifiers.unknown_authority;
    from_template = true;
    if (site.identifiers.warn_unknown_authority) {
      warn(changes, "site: identifier assigning authority '" + authority + "' has no rule; typed by unknown_authority");
    }
  }
  if (rule == nullptr) return;
  id.system = from_template ? fill_template(rule->system, authority) : rule->system;
  if (!rule->type.empty()) {
    id.type.coding = {model::Coding{std::string(kIdentifierTypeSystem), "", rule->type,
                                    std::string(identifier_type_display(rule->type))}};
  }
  if (!rule->use.empty()) id.use = rule->use;
}

void retype_all(const SiteProfile& site, const SourceProfile* source, std::vector<model::Identifier>& ids,
                model::ChangeSet& changes) {
  for (auto& id : ids) retype(site, source, id, changes);
}

bool same_code(const model::Coding& a, const model::Coding& b) { return a.system == b.system && a.code == b.code; }

bool holds(const std::vector<model::Coding>& codings, const model::Coding& c) {
  return std::any_of(codings.begin(), codings.end(), [&](const model::Coding& x) { return same_code(x, c); });
}

void map_concept(const SiteProfile& site, const SourceProfile* source, model::CodeableConcept& concept_,
                 std::string_view element, model::ChangeSet& changes) {
  const CodeMaps& maps = site.codes;
  if (maps.by_source.empty()) return;  // the site sends standard codes: nothing to map, nothing to report
  std::vector<model::Coding> additions;
  bool mapped = false;
  bool standard = false;
  for (const auto& c : concept_.coding) {
    if (maps.target_systems.count(c.system)) standard = true;
    const std::string& system = c.system.empty() && source != nullptr ? source->local_code_system : c.system;
    auto it = maps.by_source.find({system, c.code});
    if (it == maps.by_source.end()) continue;
    mapped = true;
    if (!holds(concept_.coding, it->second) && !holds(additions, it->second)) additions.push_back(it->second);
  }
  if (!mapped && !standard) {
    for (const auto& c : concept_.coding) {
      if (c.code.empty()) continue;
      warn(changes, "site: unmapped local code '" + c.code + "' (system '" + c.system + "') in " + std::string(element));
    }
    return;
  }
  concept_.coding.insert(concept_.coding.begin(), additions.begin(), additions.end());
}

std::string code_label(const model::CodeableConcept& code) {
  for (const auto& c : code.coding) {
    if (!c.code.empty()) return "'" + c.code + "'";
  }
  return "(uncoded)";
}

void normalise(const SiteProfile& site, const std::vector<UnitConversion>* conversions,
               std::optional<model::Quantity>& q, const model::Observation& obs, std::string_view element,
               model::ChangeSet& changes);

void normalise(const SiteProfile& site, const std::vector<UnitConversion>* conversions, model::Quantity& q,
               const model::Observation& obs, std::string_view element, model::ChangeSet& changes) {
  const std::string sent_unit = q.code.empty() ? q.unit : q.code;
  switch (normalise_quantity(site.units, conversions, q)) {
    case UnitOutcome::kOk: return;
    case UnitOutcome::kUnknownUnit:
      warn(changes, "site: unknown unit '" + sent_unit + "' in " + std::string(element) + " of Observation " +
                        code_label(obs.code));
      return;
    case UnitOutcome::kNotADecimal:
      warn(changes, "site: " + std::string(element) + " of Observation " + code_label(obs.code) +
                        " is not a decimal; its unit was not converted");
      return;
  }
}

void normalise(const SiteProfile& site, const std::vector<UnitConversion>* conversions,
               std::optional<model::Quantity>& q, const model::Observation& obs, std::string_view element,
               model::ChangeSet& changes) {
  if (q) normalise(site, conversions, *q, obs, element, changes);
}

const std::vector<UnitConversion>* conversions_for(const SiteProfile& site, const model::CodeableConcept& code) {
  for (const auto& c : code.coding) {
    auto it = site.units.conversions.find({c.system, c.code});
    if (it != site.units.conversions.end()) return &it->second;
  }
  return nullptr;
}

void apply_units(const SiteProfile& site, model::Observation& obs, model::ChangeSet& changes) {
  if (!site.units.enabled) return;
  const auto* conversions = conversions_for(site, obs.code);
  if (auto* q = std::get_if<model::Quantity>(&obs.value)) {
    normalise(site, conversions, *q, obs, "valueQuantity", changes);
  } else if (auto* r = std::get_if<model::Range>(&obs.value)) {
    normalise(site, conversions, r->low, obs, "valueRange.low", changes);
    normalise(site, conversions, r->high, obs, "valueRange.high", changes);
  }
  for (auto& range : obs.reference_range) {
    normalise(site, conversions, range.low, obs, "referenceRange.low", changes);
    normalise(site, conversions, range.high, obs, "referenceRange.high", changes);
  }
}

}  // namespace

void apply_site(const SiteProfile& site, model::ChangeSet& changes, std::string_view source_name) {
  const SourceProfile* source = find_source(site, changes.sender, source_name);
  if (changes.patient) {
    const SourceProfile* s = changes.patient->sender.empty() || changes.patient->sender == changes.sender
                                 ? source
                                 : find_source(site, changes.patient->sender, source_name);
    retype_all(site, s, changes.patient->patient.identifier, changes);
  }
  for (auto& merge : changes.merges) {
    const SourceProfile* s = merge.surviving.sender.empty() || merge.surviving.sender == changes.sender
                                 ? source
                                 : find_source(site, merge.surviving.sender, source_name);
    retype_all(site, s, merge.surviving.patient.identifier, changes);
    retype_all(site, s, merge.prior, changes);
  }
  for (auto& r : changes.reports) map_concept(site, source, r.resource.code, "DiagnosticReport.code", changes);
  for (auto& o : changes.orders) map_concept(site, source, o.resource.code, "ServiceRequest.code", changes);
  for (auto& o : changes.observations) {
    map_concept(site, source, o.resource.code, "Observation.code", changes);
    apply_units(site, o.resource, changes);
  }
}

void apply_site(const SiteProfile& site, model::ChangeSet& changes) { apply_site(site, changes, {}); }

}  // namespace medgw::sites

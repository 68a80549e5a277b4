#pragma once
// A site profile: what one hospital's senders do differently from the HL7 v2-to-FHIR IG, as data
// (DESIGN.md, "The canonical model": the national ID in PID-3 under assigning authority SFZH,
// local lab codes, GBK payloads without MSH-18), loaded from YAML by site_loader.hpp and applied to
// a mapped change set by apply_site.hpp. A site without differences has a near-empty profile.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mappings/model/datatypes.hpp"
#include "mappings/sql/row_mapping.hpp"

namespace medgw::sites {

inline constexpr std::string_view kIdentifierTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";

// What an identifier is to the patient index: a national ID gets its checksum verified before it
// links anyone; an MRN links within its system; insurance and other numbers are only evidence.
enum class IdentifierKind { kOther, kMrn, kNationalId, kInsurance };
std::string_view kind_name(IdentifierKind kind);  // "other", "mrn", "national_id", "insurance"

struct IdentifierRule {
  std::string system;  // URI; in the unknown-authority rule "{authority}" is replaced by CX.4.1
  std::string type;    // table 0203 code (MR, NI, SN...); "" keeps the type the mapping gave
  std::string use;     // Identifier.use; "" keeps the mapping's
  IdentifierKind kind = IdentifierKind::kOther;
};

// Keyed by the assigning authority exactly as sent in CX.4.1 (case matters: senders are consistent
// and "blh" may well be someone else's namespace).
using AuthorityRules = std::map<std::string, IdentifierRule, std::less<>>;

struct IdentifierRules {
  AuthorityRules by_authority;
  std::optional<IdentifierRule> unknown_authority;  // nullopt: unknown authorities are left as mapped
  bool warn_unknown_authority = false;
};

// One sending system, matched by its MSH-3^MSH-4 ("APP^FACILITY") and/or the listener (source)
// name it arrives on; an empty field matches anything.
struct SourceProfile {
  std::string sender;
  std::string source;
  std::string charset;            // used when MSH-18 is empty; "" leaves it to the listener
  std::string default_assigner;   // CX.4.1 assumed when PID-3 leaves it empty (many HIS send bare MRNs)
  std::string local_code_system;  // code-map source_system for codes sent without a known system
  AuthorityRules authorities;     // consulted before the site-wide rules
  // true: a result or report code that no code map covers parks the message (site_requirements.hpp)
  // instead of entering the archive uncoded, for sites whose trends need every result in LOINC.
  bool require_code_maps = false;
};

// One code-map row's target; the row is keyed by (source_system, source_code).
struct CodeMaps {
  std::map<std::pair<std::string, std::string>, model::Coding> by_source;
  std::set<std::string> target_systems;  // a concept already coded in one of these needs no map
};

// valueQuantity = value * factor, from one UCUM unit to another, for one observation code.
struct UnitConversion {
  std::string from;  // UCUM
  std::string to;    // UCUM
  long double factor = 1;
  std::string factor_text;  // as written in the site file, for messages
};

struct UnitRules {
  bool enabled = false;  // false: the site file has no units section, quantities are left alone
  std::map<std::string, std::string, std::less<>> ucum_of;  // unit text as sent -> UCUM code
  // Keyed by the observation code (system, code) the conversion is for (LOINC 2345-7 glucose).
  std::map<std::pair<std::string, std::string>, std::vector<UnitConversion>> conversions;
};

struct SiteProfile {
  std::string name;
  std::string description;
  std::string file;  // where it was loaded from, for messages
  IdentifierRules identifiers;
  std::vector<SourceProfile> sources;
  CodeMaps codes;
  UnitRules units;
  sql::RowMappings db_rows;  // by database source name (db_sources: in the gateway config)
};

// The most specific source entry matching a sender and/or source name (both fields matching beats
// one), nullptr when none does. An entry field that is empty matches anything; a query field that
// is empty (the listener name is not known) is not a constraint, but at least one field must
// really match.
const SourceProfile* find_source(const SiteProfile& site, std::string_view sender, std::string_view source_name);

// The charset the site says `sender` uses when MSH-18 is empty; "" when the site does not say.
std::string default_charset(const SiteProfile& site, std::string_view sender, std::string_view source_name);

// The kind of an identifier system after apply_site, from the site's rules; kOther when no rule
// gives that system.
IdentifierKind identifier_kind(const SiteProfile& site, std::string_view system);

// Display text of a table 0203 identifier type code ("MR" -> "Medical record number"); "" when
// the code is not one medgw knows.
std::string_view identifier_type_display(std::string_view code);

}  // namespace medgw::sites

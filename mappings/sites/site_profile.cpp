#include "mappings/sites/site_profile.hpp"

#include <array>

namespace medgw::sites {

std::string_view kind_name(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kOther: return "other";
    case IdentifierKind::kMrn: return "mrn";
    case IdentifierKind::kNationalId: return "national_id";
    case IdentifierKind::kInsurance: return "insurance";
  }
  return "other";
}

namespace {

// How well an entry fits: the number of its fields equal to the message's, or -1 when one of its
// fields contradicts the message. A field the caller does not know (empty: apply_site without a
// listener name) neither matches nor contradicts.
int fit(const SourceProfile& s, std::string_view sender, std::string_view source_name) {
  int score = 0;
  for (const auto& [mine, theirs] : {std::pair{std::string_view(s.sender), sender},
                                     std::pair{std::string_view(s.source), source_name}}) {
    if (mine.empty() || theirs.empty()) continue;
    if (mine != theirs) return -1;
    ++score;
  }
  return score;
}

// The best-fitting entry that `usable` accepts; at least one field must really match.
template <class Pred>
const SourceProfile* best(const SiteProfile& site, std::string_view sender, std::string_view source_name, Pred usable) {
  const SourceProfile* found = nullptr;
  int best_score = 0;
  for (const auto& s : site.sources) {
    if (!usable(s)) continue;
    const int score = fit(s, sender, source_name);
    if (score > best_score) found = &s, best_score = score;
  }
  return found;
}

}  // namespace

const SourceProfile* find_source(const SiteProfile& site, std::string_view sender, std::string_view source_name) {
  return best(site, sender, source_name, [](const SourceProfile&) { return true; });
}

std::string default_charset(const SiteProfile& site, std::string_view sender, std::string_view source_name) {
  // Only entries that name a charset: an entry matching both fields may exist only to override
  // codes or identifiers, and must not hide a sender-wide charset.
  const SourceProfile* s = best(site, sender, source_name, [](const SourceProfile& p) { return !p.charset.empty(); });
  return s ? s->charset : std::string();
}

IdentifierKind identifier_kind(const SiteProfile& site, std::string_view system) {
  for (const auto& [authority, rule] : site.identifiers.by_authority) {
    if (rule.system == system) return rule.kind;
  }
  for (const auto& s : site.sources) {
    for (const auto& [authority, rule] : s.authorities) {
      if (rule.system == system) return rule.kind;
    }
  }
  return IdentifierKind::kOther;
}

std::string_view identifier_type_display(std::string_view code) {
  struct Entry {
    std::string_view code, display;
  };
  // The table 0203 codes a site file is likely to use, with THO's display texts.
  static constexpr std::array<Entry, 19> kTable{{
      {"AN", "Account number"},
      {"BR", "Birth registry number"},
      {"DL", "Driver's license number"},
      {"DR", "Donor Registration Number"},
      {"EN", "Employer number"},
      {"HC", "Health Card Number"},
      {"JHN", "Jurisdictional health number (Canada)"},
      {"MA", "Patient Medicaid number"},
      {"MC", "Patient's Medicare number"},
      {"MR", "Medical record number"},
      {"NH", "National Health Plan Identifier"},
      {"NI", "National unique individual identifier"},
      {"PI", "Patient internal identifier"},
      {"PN", "Person number"},
      {"PPN", "Passport number"},
      {"PT", "Patient external identifier"},
      {"SN", "Subscriber Number"},
      {"SS", "Social Security number"},
      {"VN", "Visit number"},
  }};
  for (const auto& e : kTable) {
    if (e.code == code) return e.display;
  }
  // NNxxx: national person identifier of country xxx (NNCHN for China).
  if (code.size() == 5 && code.substr(0, 2) == "NN") return "National Person Identifier";
  return {};
}

}  // namespace medgw::sites

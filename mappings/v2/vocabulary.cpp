#include "mappings/v2/vocabulary.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace medgw::v2::vocab {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

template <std::size_t N>
std::string lookup(const std::array<Pair, N>& table, std::string_view code) {
  for (const Pair& p : table) {
    if (p.first == code) return std::string(p.second);
  }
  return {};
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view code) {
  return std::find(set.begin(), set.end(), code) != set.end();
}

}  // namespace

std::string gender(std::string_view v2) {
  // IG AdministrativeSex: A (ambiguous) and N (not applicable) have no FHIR code of their own.
  static constexpr std::array<Pair, 6> kMap{
      {{"M", "male"}, {"F", "female"}, {"O", "other"}, {"A", "other"}, {"N", "other"}, {"U", "unknown"}}};
  return lookup(kMap, v2);
}

std::string name_use(std::string_view v2) {
  static constexpr std::array<Pair, 9> kMap{{{"L", "official"},
                                             {"D", "usual"},
                                             {"A", "usual"},
                                             {"M", "maiden"},
                                             {"N", "nickname"},
                                             {"S", "anonymous"},
                                             {"T", "temp"},
                                             {"U", "usual"},
                                             {"NOUSE", "old"}}};
  return lookup(kMap, v2);
}

std::string address_use(std::string_view v2) {
  static constexpr std::array<Pair, 7> kMap{
      {{"H", "home"}, {"B", "work"}, {"O", "work"}, {"C", "temp"}, {"BA", "old"}, {"BI", "billing"}, {"L", "home"}}};
  return lookup(kMap, v2);
}

std::string address_type(std::string_view v2) {
  static constexpr std::array<Pair, 2> kMap{{{"M", "postal"}, {"SH", "postal"}}};
  return lookup(kMap, v2);
}

std::string telecom_use(std::string_view v2) {
  static constexpr std::array<Pair, 6> kMap{
      {{"PRN", "home"}, {"ORN", "home"}, {"VHN", "home"}, {"WPN", "work"}, {"PRS", "mobile"}, {"BPN", "work"}}};
  return lookup(kMap, v2);
}

std::string telecom_system(std::string_view v2) {
  static constexpr std::array<Pair, 9> kMap{{{"PH", "phone"},
                                             {"CP", "phone"},
                                             {"FX", "fax"},
                                             {"BP", "pager"},
                                             {"Internet", "email"},
                                             {"X.400", "email"},
                                             {"MD", "other"},
                                             {"TDD", "other"},
                                             {"TTY", "other"}}};
  return lookup(kMap, v2);
}

bool is_identifier_type(std::string_view code) {
  static constexpr std::array<std::string_view, 34> kCodes{
      "AN", "BC", "BR", "DL", "DR", "EN", "FILL", "HC", "JHN", "LN", "LR", "MA", "MB", "MC", "MD", "MR", "NH",
      "NI", "NII", "NIIP", "NNxxx", "PEN", "PI", "PLAC", "PN", "PPN", "PRN", "PT", "RRI", "SB", "SS", "TAX", "U",
      "VN"};
  return contains(kCodes, code) || (code.size() == 5 && code.substr(0, 2) == "NN");
}

model::Coding encounter_class(std::string_view v2) {
  static constexpr std::array<std::pair<std::string_view, std::pair<std::string_view, std::string_view>>, 5> kMap{{
      {"E", {"EMER", "emergency"}},
      {"I", {"IMP", "inpatient encounter"}},
      {"O", {"AMB", "ambulatory"}},
      {"P", {"PRENC", "pre-admission"}},
      {"R", {"AMB", "ambulatory"}},  // recurring patient: seen as an outpatient each time
  }};
  for (const auto& [code, target] : kMap) {
    if (code == v2) return {std::string(kV3ActCode), "", std::string(target.first), std::string(target.second)};
  }
  return {};
}

std::string observation_status(std::string_view v2) {
  // IG ObservationResultStatusCodesInterpretation. N ("not asked") has no result: cancelled, with a
  // dataAbsentReason set by the caller; W (wrong patient) is an error like D.
  static constexpr std::array<Pair, 12> kMap{{{"C", "corrected"},
                                              {"D", "entered-in-error"},
                                              {"F", "final"},
                                              {"I", "registered"},
                                              {"N", "cancelled"},
                                              {"O", "registered"},
                                              {"P", "preliminary"},
                                              {"R", "preliminary"},
                                              {"S", "preliminary"},
                                              {"U", "final"},
                                              {"W", "entered-in-error"},
                                              {"X", "cancelled"}}};
  return lookup(kMap, v2);
}

std::string report_status(std::string_view v2) {
  // IG ResultStatus[Non-Queries] (table 0123).
  static constexpr std::array<Pair, 12> kMap{{{"O", "registered"},
                                              {"I", "registered"},
                                              {"S", "registered"},
                                              {"A", "partial"},
                                              {"P", "preliminary"},
                                              {"R", "partial"},
                                              {"N", "partial"},
                                              {"C", "corrected"},
                                              {"M", "corrected"},
                                              {"F", "final"},
                                              {"X", "cancelled"},
                                              {"D", "entered-in-error"}}};
  return lookup(kMap, v2);
}

std::string interpretation(std::string_view v2) {
  // Table 0078 codes that v3 ObservationInterpretation holds under the same code.
  static constexpr std::array<std::string_view, 31> kSame{
      "<",   ">",  "A",  "AA", "B",  "D",  "H",   "HH",  "HU", "HX", "I",   "IE",  "IND", "L",   "LL",  "LU",
      "LX",  "N",  "NEG", "NR", "NS", "POS", "R",  "RR",  "S",  "SDD", "SYN-R", "SYN-S", "U", "W", "E"};
  if (contains(kSame, v2)) return std::string(v2);
  static constexpr std::array<Pair, 5> kMap{{{"DET", "DET"}, {"ND", "ND"}, {"MS", "I"}, {"VS", "S"}, {"AC", "A"}}};
  return lookup(kMap, v2);
}

std::string order_status_from_control(std::string_view v2) {
  // IG OrderControlCode[ServiceRequest.status].
  static constexpr std::array<Pair, 17> kMap{{{"NW", "active"},
                                              {"OK", "active"},
                                              {"SC", "active"},
                                              {"SN", "active"},
                                              {"XO", "active"},
                                              {"XX", "active"},
                                              {"RL", "active"},
                                              {"RO", "active"},
                                              {"CA", "revoked"},
                                              {"CR", "revoked"},
                                              {"OC", "revoked"},
                                              {"DC", "revoked"},
                                              {"OD", "revoked"},
                                              {"DR", "revoked"},
                                              {"HD", "on-hold"},
                                              {"OH", "on-hold"},
                                              {"CH", "active"}}};
  return lookup(kMap, v2);
}

std::string order_status(std::string_view v2) {
  // IG OrderStatus (table 0038).
  static constexpr std::array<Pair, 9> kMap{{{"A", "active"},
                                             {"CA", "revoked"},
                                             {"CM", "completed"},
                                             {"DC", "revoked"},
                                             {"ER", "entered-in-error"},
                                             {"HD", "on-hold"},
                                             {"IP", "active"},
                                             {"RP", "revoked"},
                                             {"SC", "active"}}};
  return lookup(kMap, v2);
}

std::string doc_status(std::string_view v2) {
  static constexpr std::array<Pair, 7> kMap{{{"AU", "final"},
                                             {"LA", "final"},
                                             {"DI", "preliminary"},
                                             {"DO", "preliminary"},
                                             {"IN", "preliminary"},
                                             {"IP", "preliminary"},
                                             {"PA", "preliminary"}}};
  return lookup(kMap, v2);
}

std::string document_status(std::string_view v2) {
  // TXA-19 (table 0273): AV and absent -> current (IG); the IG keeps CA/OB/UN only as alternate
  // codes, but "obsolete" is what FHIR calls superseded and "canceled" an entry in error.
  static constexpr std::array<Pair, 5> kMap{
      {{"", "current"}, {"AV", "current"}, {"UN", "current"}, {"OB", "superseded"}, {"CA", "entered-in-error"}}};
  return lookup(kMap, v2);
}

std::string observation_category(std::string_view section) {
  static constexpr std::array<std::string_view, 17> kLab{"LAB", "BG", "BLB", "CH",  "CP",  "HM",  "ICU", "IMM",
                                                         "MB",  "MCB", "MYC", "OSL", "PAT", "SP", "SR",  "TX",
                                                         "VR"};
  static constexpr std::array<std::string_view, 13> kImaging{"RAD", "CT",  "CUS", "NMR", "NMS", "OUS", "RUS",
                                                             "VUS", "XRC", "MR",  "US",  "DX",  "MG"};
  if (contains(kLab, section)) return "laboratory";
  if (contains(kImaging, section)) return "imaging";
  return {};
}

bool is_service_section(std::string_view section) {
  static constexpr std::array<std::string_view, 40> kCodes{
      "AU",  "BG",  "BLB", "CG",  "CH",  "CP",  "CT",  "CTH", "CUS", "EC",  "EN",  "HM",  "ICU", "IMM",
      "LAB", "MB",  "MCB", "MYC", "NMR", "NMS", "NRS", "OSL", "OT",  "OTH", "OUS", "PF",  "PHR", "PHY",
      "PT",  "RAD", "RC",  "RT",  "RUS", "RX",  "SP",  "SR",  "TX",  "VR",  "VUS", "XRC"};
  return contains(kCodes, section);
}

std::string coding_system_uri(std::string_view name) {
  static constexpr std::array<Pair, 14> kMap{{{"LN", "http://loinc.org"},
                                              {"C4", "http://www.ama-assn.org/go/cpt"},
                                              {"LOINC", "http://loinc.org"},
                                              {"SCT", "http://snomed.info/sct"},
                                              {"SNM", "http://snomed.info/sct"},
                                              {"SNOMED", "http://snomed.info/sct"},
                                              {"UCUM", "http://unitsofmeasure.org"},
                                              {"I10", "http://hl7.org/fhir/sid/icd-10"},
                                              {"ICD10", "http://hl7.org/fhir/sid/icd-10"},
                                              {"I9C", "http://hl7.org/fhir/sid/icd-9-cm"},
                                              {"I10C", "http://hl7.org/fhir/sid/icd-10-cm"},
                                              {"CPT4", "http://www.ama-assn.org/go/cpt"},
                                              {"DCM", "http://dicom.nema.org/resources/ontology/DCM"},
                                              {"ISO+", "urn:iso:std:iso:11073:10101"}}};
  std::string uri = lookup(kMap, name);
  if (!uri.empty()) return uri;
  // HL7nnnn: a v2 table, which THO publishes as a code system.
  if (name.size() == 7 && name.substr(0, 3) == "HL7") {
    return "http://terminology.hl7.org/CodeSystem/v2-" + std::string(name.substr(3));
  }
  // Already a URI (some senders put one in CWE.3).
  if (name.find(':') != std::string_view::npos) return std::string(name);
  return {};
}

}  // namespace medgw::v2::vocab

#pragma once
// The FHIR R4 data types of the canonical model (DESIGN.md, "The canonical model"): a typed subset,
// named after FHIR so a resource serialises to FHIR JSON with no second mapping (fhir_json.hpp).
//
// Conventions, so every mapping fills them the same way:
// - An empty string or empty vector means "absent" and is not serialised.
// - Dates and times are FHIR strings already (date "2024-03-01", dateTime
//   "2024-03-01T08:30:00+08:00", with the precision the sender gave).
// - Decimals keep the sender's text ("4.50" stays "4.50": FHIR decimals carry their precision),
//   so no value is rounded on the way through.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace medgw::model {

struct Coding {
  std::string system;   // a URI ("http://loinc.org") or, for a site's local codes, its OID/URI
  std::string version;
  std::string code;
  std::string display;
  bool empty() const { return system.empty() && code.empty() && display.empty(); }
};

struct CodeableConcept {
  std::vector<Coding> coding;
  std::string text;
  bool empty() const { return coding.empty() && text.empty(); }
};

// A FHIR decimal as text: digits, optional sign, optional fraction ("-0.5", "120", "4.50").
struct Decimal {
  std::string text;
  bool empty() const { return text.empty(); }
};

struct Quantity {
  Decimal value;
  std::string comparator;  // "<", "<=", ">=", ">" or empty
  std::string unit;        // human-readable unit as sent or normalised
  std::string system;      // "http://unitsofmeasure.org" when code is UCUM
  std::string code;        // the UCUM code
  bool empty() const { return value.empty() && unit.empty() && code.empty(); }
};

struct Range {
  std::optional<Quantity> low, high;
};

struct Ratio {
  std::optional<Quantity> numerator, denominator;
};

struct Period {
  std::string start, end;  // FHIR dateTime
  bool empty() const { return start.empty() && end.empty(); }
};

// Reference.type names the resource type the reference points to ("Patient"). Within a change set
// a reference to a resource of the same set uses `reference` = "<Type>/<key>" (see change_set.hpp);
// the store rewrites it to the stored logical id.
struct Reference {
  std::string reference;
  std::string type;
  std::string display;
  bool empty() const { return reference.empty() && display.empty(); }
};

struct Identifier {
  std::string use;        // usual | official | temp | secondary | old
  CodeableConcept type;   // v2 table 0203 codes (MR, NI, PI, ...)
  std::string system;     // a URI naming the assigning authority
  std::string value;
  Period period;
  std::string assigner;   // Identifier.assigner.display: the v2 assigning authority as sent
  bool empty() const { return value.empty(); }
};

struct HumanName {
  std::string use;  // usual | official | temp | nickname | anonymous | old | maiden
  std::string text;
  std::string family;
  std::vector<std::string> given;
  std::vector<std::string> prefix;
  std::vector<std::string> suffix;
  Period period;
};

struct ContactPoint {
  std::string system;  // phone | fax | email | pager | url | sms | other
  std::string value;
  std::string use;     // home | work | temp | old | mobile
};

struct Address {
  std::string use;   // home | work | temp | old | billing
  std::string type;  // postal | physical | both
  std::string text;
  std::vector<std::string> line;
  std::string city, district, state, postal_code, country;
  Period period;
};

struct Annotation {
  std::string author;  // authorString
  std::string time;    // dateTime
  std::string text;    // markdown
};

struct Attachment {
  std::string content_type;  // "application/pdf", "text/plain"
  std::string language;
  std::string data;          // the bytes, Base64-encoded as FHIR wants them
  std::string url;
  std::string title;
  std::string creation;      // dateTime
  std::optional<std::uint64_t> size;  // bytes before Base64
};

}  // namespace medgw::model

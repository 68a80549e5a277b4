#pragma once
// Typed readers for the composite data types the mappings use. Each takes one repetition of a
// field (components split on '^', sub-components on '&') and returns decoded UTF-8 strings; an
// absent part is an empty string. Component numbers follow v2.5.1, whose layouts are
// backward-compatible with the earlier versions for the components read here (CE is CWE's first
// six components).
#include <optional>
#include <string>

#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/datetime.hpp"
#include "mappings/hl7v2/views.hpp"

namespace medgw::hl7v2 {

// HD: namespace id ^ universal id ^ universal id type. In CX-4 and other places it arrives as
// sub-components of one component; `read_hd_subcomponents` reads that form.
struct HD {
  std::string namespace_id, universal_id, universal_id_type;
  bool empty() const { return namespace_id.empty() && universal_id.empty(); }
};
HD read_hd(const Repetition& r);
HD read_hd_subcomponents(const Component& c);

// CX: the identifier a patient has in one system (PID-3).
struct CX {
  std::string id;                    // CX.1
  std::string check_digit;           // CX.2
  std::string check_digit_scheme;    // CX.3
  HD assigning_authority;            // CX.4 (e.g. "SFZH" for a Chinese national ID)
  std::string identifier_type_code;  // CX.5 (MR, PI, NI, ...)
  HD assigning_facility;             // CX.6
  std::string effective_date;        // CX.7
  std::string expiration_date;       // CX.8
};
CX read_cx(const Repetition& r);

// XPN: a person's name.
struct XPN {
  std::string family;          // XPN.1.1 (FN.1 surname)
  std::string given;           // XPN.2
  std::string middle;          // XPN.3 (second and further given names or initials)
  std::string suffix;          // XPN.4
  std::string prefix;          // XPN.5
  std::string degree;          // XPN.6
  std::string name_type_code;  // XPN.7 (L legal, D display, ...)
};
XPN read_xpn(const Repetition& r);

// XAD: an address.
struct XAD {
  std::string street;            // XAD.1.1
  std::string other_designation; // XAD.2
  std::string city;              // XAD.3
  std::string state;             // XAD.4
  std::string postal_code;       // XAD.5
  std::string country;           // XAD.6
  std::string address_type;      // XAD.7 (H home, B business, ...)
  std::string other_geographic;  // XAD.8
  std::string county;            // XAD.9
};
XAD read_xad(const Repetition& r);

// XTN: a telephone number or e-mail address.
struct XTN {
  std::string unformatted;     // XTN.1 (deprecated since 2.6, still what most senders fill)
  std::string use_code;        // XTN.2 (PRN, WPN, NET, ...)
  std::string equipment_type;  // XTN.3 (PH, CP, Internet, ...)
  std::string email;           // XTN.4
  std::string country_code;    // XTN.5
  std::string area_code;       // XTN.6
  std::string local_number;    // XTN.7
  std::string extension;       // XTN.8
  std::string any_text;        // XTN.9
  // The number as one string: XTN.1 when sent, else +country (area) local ext.
  std::string number() const;
};
XTN read_xtn(const Repetition& r);

// CWE (and CE, its first six components): a coded value with an optional alternate coding.
struct CWE {
  std::string identifier, text, coding_system;                  // 1-3
  std::string alt_identifier, alt_text, alt_coding_system;      // 4-6
  std::string coding_system_version, alt_coding_system_version; // 7-8
  std::string original_text;                                    // 9
  bool empty() const { return identifier.empty() && text.empty() && alt_identifier.empty() && original_text.empty(); }
};
CWE read_cwe(const Repetition& r);

// EI: an entity identifier (order numbers in ORC-2/3, OBR-2/3).
struct EI {
  std::string entity_identifier, namespace_id, universal_id, universal_id_type;
};
EI read_ei(const Repetition& r);

// TS: DTM ^ degree of precision (the second component is deprecated and ignored).
Expected<DateTime, std::string> read_ts(const Repetition& r);

// ED: encapsulated data (a PDF report in OBX-5, typically Base64).
struct ED {
  HD source_application;  // ED.1
  std::string type_of_data;  // ED.2 (AP, TEXT, ...)
  std::string data_subtype;  // ED.3 (PDF, ...)
  std::string encoding;      // ED.4 (A, Hex, Base64)
  std::string data;          // ED.5 as sent (escapes decoded)
  // The bytes the data stands for: Base64 or hex decoded, or the text itself for "A".
  Expected<std::string, std::string> decode() const;
};
ED read_ed(const Repetition& r);

// Base64 (RFC 4648, whitespace ignored, padding optional).
Expected<std::string, std::string> decode_base64(std::string_view text);

}  // namespace medgw::hl7v2

#pragma once
// v2 composite data types -> model data types, per the IG's data-type maps
// (../shared/reference/v2-to-fhir/datatypes/). Pure functions: no warnings, no context; the
// callers know the field and decide what a gap means.
#include <string>
#include <string_view>

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/hl7v2/views.hpp"
#include "mappings/model/datatypes.hpp"

namespace medgw::v2 {

// CX[Identifier]: value CX.1; type CX.5 (v2-0203 when the code is in the table, else text);
// system from CX.4's universal id (urn:oid: for ISO, as sent for URI/UUID), else CX.4's namespace
// id as sent; assigner = CX.4 namespace id. A site profile retypes these later; nothing here
// knows a site. `dates` (CX.7/CX.8 as FHIR dates) come from the caller, which can warn.
model::Identifier identifier(const hl7v2::CX& cx);

// EI (order numbers, document numbers) as an Identifier, typed with a v2-0203 code when given.
model::Identifier identifier(const hl7v2::EI& ei, std::string_view type_code = {});

// HD as an identifier system: urn:oid:<universal id> for ISO, the universal id for URI/UUID, else
// the namespace id as sent.
std::string identifier_system(const hl7v2::HD& hd);

// XPN[HumanName].
model::HumanName human_name(const hl7v2::XPN& xpn);
// XAD[Address].
model::Address address(const hl7v2::XAD& xad);
// XTN[ContactPoint]; `default_use` applies when XTN.2 is empty (PID-13 home, PID-14 work).
model::ContactPoint contact_point(const hl7v2::XTN& xtn, std::string_view default_use);

// CWE[CodeableConcept]: coding 1 from CWE.1-3/7, coding 2 from CWE.4-6/8, text from CWE.9. A CWE
// with text but no code ("^free text") becomes CodeableConcept.text, which is what it means.
model::CodeableConcept codeable_concept(const hl7v2::CWE& cwe);

// CWE[Quantity] for units (OBX-6): UCUM code and system when CWE.3 is UCUM, else only the unit
// text (FHIR forbids a unit code without its system).
model::Quantity unit(const hl7v2::CWE& cwe);

// XCN (or NDL) as a display string ("given family", or family then given with no space for CJK): medgw does not create
// Practitioner resources, so people other than the patient are named, not referenced.
std::string person_display(const hl7v2::Repetition& xcn);

// Standard Base64 with padding (RFC 4648), as FHIR's base64Binary wants it.
std::string base64_encode(std::string_view bytes);

}  // namespace medgw::v2

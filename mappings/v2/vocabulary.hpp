#pragma once
// The v2 code tables the mappings translate, each to the FHIR code the v2-to-FHIR IG's concept map
// gives (inventory/v2-to-FHIR Map Inventory - Code System.csv names them). A function returns an
// empty string for a code the table does not hold: the caller decides between "absent" and a
// warning, since only it knows whether the element is required.
#include <string>
#include <string_view>

#include "mappings/model/datatypes.hpp"

namespace medgw::v2::vocab {

inline constexpr std::string_view kV2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr std::string_view kV2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074";
inline constexpr std::string_view kV3Interpretation =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
inline constexpr std::string_view kV3ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";

// 0001 AdministrativeSex -> Patient.gender.
std::string gender(std::string_view v2);
// 0200 NameType -> HumanName.use.
std::string name_use(std::string_view v2);
// 0190 AddressType -> Address.use, and Address.type for the postal kinds.
std::string address_use(std::string_view v2);
std::string address_type(std::string_view v2);
// 0201 TelecommunicationUseCode -> ContactPoint.use; 0202 equipment -> ContactPoint.system.
std::string telecom_use(std::string_view v2);
std::string telecom_system(std::string_view v2);
// True when `code` is in table 0203 (identifier type), so the v2-0203 system may be claimed.
bool is_identifier_type(std::string_view code);
// 0004 PatientClass -> Encounter.class (v3 ActCode); empty Coding for codes without a map.
model::Coding encounter_class(std::string_view v2);
// 0085 -> Observation.status.
std::string observation_status(std::string_view v2);
// 0123 -> DiagnosticReport.status.
std::string report_status(std::string_view v2);
// 0078 abnormal flag -> v3 ObservationInterpretation code (most are the same code).
std::string interpretation(std::string_view v2);
// 0119 order control (when ORC-5 is empty) and 0038 order status -> ServiceRequest.status.
std::string order_status_from_control(std::string_view v2);
std::string order_status(std::string_view v2);
// 0271 document completion -> DocumentReference.docStatus; 0273 availability -> status.
std::string doc_status(std::string_view v2);
std::string document_status(std::string_view v2);
// 0074 diagnostic service section: "laboratory" or "imaging" (Observation.category), else empty.
std::string observation_category(std::string_view section);
bool is_service_section(std::string_view section);
// CWE.3 coding-system names (table 0396) -> URI; empty for local and unknown names.
std::string coding_system_uri(std::string_view name);

}  // namespace medgw::v2::vocab

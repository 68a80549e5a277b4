#pragma once
// The FHIR R4 resources of the canonical model. Field names follow FHIR (snake_case here); only
// the elements medgw fills are present. `id` is the logical id the CRM store assigns; a mapping
// leaves it empty.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mappings/model/datatypes.hpp"

namespace medgw::model {

struct PatientLink {
  Reference other;   // the other Patient
  std::string type;  // replaced-by | replaces | refer | seealso
};

struct Patient {
  std::string id;
  std::vector<Identifier> identifier;
  std::optional<bool> active;
  std::vector<HumanName> name;
  std::vector<ContactPoint> telecom;
  std::string gender;      // male | female | other | unknown
  std::string birth_date;  // FHIR date
  std::optional<bool> deceased_boolean;
  std::string deceased_date_time;
  std::vector<Address> address;
  CodeableConcept marital_status;
  std::vector<PatientLink> link;
};

struct Encounter {
  std::string id;
  std::vector<Identifier> identifier;  // PV1-19 visit number
  std::string status;                  // planned | arrived | in-progress | finished | cancelled | ...
  Coding class_;                       // v3 ActCode: IMP, AMB, EMER, ... (FHIR "class")
  std::vector<CodeableConcept> type;
  Reference subject;
  Period period;
  std::vector<Reference> location;     // Encounter.location.location (display only here)
  Reference service_provider;
  CodeableConcept admit_source;          // hospitalization.admitSource
  CodeableConcept discharge_disposition; // hospitalization.dischargeDisposition
};

struct ServiceRequest {
  std::string id;
  std::vector<Identifier> identifier;  // placer (PLAC) and filler (FILL) order numbers
  std::string status;                  // draft | active | on-hold | revoked | completed | ...
  std::string intent = "order";
  std::vector<CodeableConcept> category;
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  std::string authored_on;
  Reference requester;
  std::vector<Annotation> note;
};

// valueDateTime, kept apart from valueString in the variant.
struct DateTimeValue {
  std::string value;
};

// Observation.value[x]: nothing, valueQuantity, valueCodeableConcept, valueString, valueRange,
// valueRatio, valueDateTime.
using ObservationValue =
    std::variant<std::monostate, Quantity, CodeableConcept, std::string, Range, Ratio, DateTimeValue>;

struct ObservationReferenceRange {
  std::optional<Quantity> low, high;
  std::string text;
};

struct Observation {
  std::string id;
  std::vector<Identifier> identifier;
  std::vector<Reference> based_on;
  std::string status;  // registered | preliminary | final | amended | corrected | cancelled | entered-in-error
  std::vector<CodeableConcept> category;
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  std::string effective_date_time;
  std::string issued;  // instant
  std::vector<Reference> performer;
  ObservationValue value;
  CodeableConcept data_absent_reason;
  std::vector<CodeableConcept> interpretation;  // abnormal flags (v3 ObservationInterpretation)
  std::vector<Annotation> note;
  CodeableConcept method;
  std::vector<ObservationReferenceRange> reference_range;
};

struct DiagnosticReport {
  std::string id;
  std::vector<Identifier> identifier;
  std::vector<Reference> based_on;
  std::string status;  // registered | partial | preliminary | final | amended | corrected | cancelled | ...
  std::vector<CodeableConcept> category;  // LAB, RAD, ... (v2 table 0074 / FHIR diagnostic-service-sections)
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  std::string effective_date_time;
  std::string issued;
  std::vector<Reference> performer;
  std::vector<Reference> result;         // its Observations
  std::vector<Reference> imaging_study;
  std::string conclusion;
  std::vector<Attachment> presented_form; // the signed report (a PDF from OBX ED, or text)
};

struct DocumentReferenceContent {
  Attachment attachment;
  Coding format;
};

struct DocumentReference {
  std::string id;
  Identifier master_identifier;        // TXA-12 unique document number
  std::vector<Identifier> identifier;
  std::string status;                  // current | superseded | entered-in-error
  std::string doc_status;              // preliminary | final | amended | entered-in-error
  CodeableConcept type;                // TXA-2
  std::vector<CodeableConcept> category;
  Reference subject;
  std::string date;                    // instant
  std::vector<Reference> author;
  std::string description;
  std::vector<DocumentReferenceContent> content;
  Reference context_encounter;
  Period context_period;
};

struct ImagingStudy {
  std::string id;
  std::vector<Identifier> identifier;  // study instance UID (urn:dicom:uid), accession number
  std::string status;                  // registered | available | cancelled | entered-in-error | unknown
  std::vector<Coding> modality;
  Reference subject;
  Reference encounter;
  std::string started;
  std::vector<Reference> based_on;
  std::optional<unsigned> number_of_series, number_of_instances;
  std::vector<CodeableConcept> procedure_code;
  std::string description;
};

}  // namespace medgw::model

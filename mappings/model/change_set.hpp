#pragma once
// What one message means, before its patient is resolved: a mapping (mappings/v2, later fhir/ and
// sql/) produces a ChangeSet; the site profile (mappings/sites) refines it; the CRM store resolves
// the patient through the MPI and applies it in one transaction, idempotently by envelope id.
//
// Keys. Every resource in a change set carries a business key, stable across re-sends and
// corrections of the same thing, unique per sender and resource type, so a second message about
// the same report updates it instead of adding a copy:
//   Encounter          "<visit number>"                    (PV1-19; else the message control id)
//   ServiceRequest     "<filler order>" or "P:<placer>"    (ORC-3/OBR-3, else ORC-2/OBR-2)
//   DiagnosticReport   the same rule as ServiceRequest, over OBR
//   Observation        "<report key>|<OBX-3.1>|<OBX-4>"
//   DocumentReference  "<TXA-12.1>"
//   ImagingStudy       "<study instance UID>" or "A:<accession>"
// References between resources of one change set are written "<Type>/<key>" (for example
// DiagnosticReport.result = "Observation/F123|2345-7|"); references to the patient are left empty:
// the store fills them with the golden patient once resolved.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mappings/model/resources.hpp"

namespace medgw::model {

// FHIR updates (mappings/fhir) address a stored row by its id and may carry the version the client
// last read (If-Match). Both are empty for HL7 v2, which only knows business keys.
struct UpdateTarget {
  std::string id;                     // the stored resource's id ("17", or "src-4" for a Patient)
  std::optional<std::int64_t> if_match;  // refuse (kRefusedVersionConflict) unless the stored version is this
};

template <class Resource>
struct Keyed {
  std::string key;
  Resource resource;
  UpdateTarget target;  // id set: update that row (it must exist), keep its key; else upsert by key
  // FHIR: the resource as received, its references to resources of this change set already in
  // "<Type>/<key>" form. When set, the store keeps this JSON (id, meta and references rewritten)
  // instead of serialising `resource`, so elements the model does not carry are not lost.
  std::string fhir_json;
};

// A source record: what one sender says about one patient (PID). `sender` names the sending
// system ("HIS^HOSP" from MSH-3^MSH-4); identifiers are as typed by the site profile.
struct PatientRecord {
  std::string sender;
  Patient patient;
  UpdateTarget target;  // FHIR update of a source record: id "src-<n>"
  std::string fhir_json;  // FHIR: the Patient as received (see Keyed::fhir_json)
};

// FHIR resources name their patient by reference instead of carrying a PID: medgw's own Patient id
// ("<golden>" or "src-<record>", as the FHIR API serves them) or a logical reference by identifier
// (the patient some sender registered with it). The store resolves it to the golden patient and
// refuses the change set (kRefusedUnknownSubject) when nobody matches; it never creates a patient.
struct SubjectReference {
  std::string patient_id;
  std::optional<Identifier> identifier;
};

// ADT^A40 (merge patient - patient identifier list) and A34 (merge patient information - patient
// id only): the patient known by `prior` identifiers (MRG-1) is the same as `surviving` (PID).
struct MergeRequest {
  PatientRecord surviving;
  std::vector<Identifier> prior;
};

struct ChangeSet {
  std::string message_type;        // "ADT^A01", "ORU^R01"
  std::string message_control_id;  // MSH-10
  std::string sender;              // MSH-3^MSH-4, the same as patient->sender
  std::string event_time;          // EVN-2 or MSH-7, FHIR dateTime
  std::optional<PatientRecord> patient;  // the subject of everything below
  std::optional<SubjectReference> subject;  // instead of `patient` (FHIR): an existing patient
  std::vector<Keyed<Encounter>> encounters;
  std::vector<Keyed<ServiceRequest>> orders;
  std::vector<Keyed<DiagnosticReport>> reports;
  std::vector<Keyed<Observation>> observations;
  std::vector<Keyed<DocumentReference>> documents;
  std::vector<Keyed<ImagingStudy>> studies;
  std::vector<MergeRequest> merges;
  // true: each report here names only some of its results, the others came (or come) in other
  // change sets with the same report key (mappings/sql: one database row, one observation). The
  // store then adds these results to the stored report's instead of replacing them. false (HL7 v2,
  // FHIR): a report carries its whole result list, and a re-send replaces it.
  bool partial_reports = false;
  // Things mapped leniently (an unknown unit, an uncoded result), for the operator; never PHI.
  std::vector<std::string> warnings;
};

}  // namespace medgw::model

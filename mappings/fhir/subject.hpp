#pragma once
// Whose record a clinical resource belongs to. medgw's archive is per patient, so every resource
// names its patient in `subject`, one of three ways:
//   "Patient/<id>"                       a patient medgw serves (golden id or "src-<n>")
//   {"identifier": {system, value}}      a logical reference: the patient a sender registered so
//   "urn:uuid:<x>"                       the Patient entry of the same transaction
// A transaction concerns one patient: a change set has one patient (change_set.hpp), and the
// store applies it in one database transaction under that patient. A client with resources of
// several patients sends a batch, which the server splits into one interaction per entry.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mappings/fhir/entries.hpp"
#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/map_error.hpp"
#include "mappings/model/datatypes.hpp"

namespace medgw::fhir {

struct PatientRef {
  std::optional<std::size_t> entry;             // index in the entries: the transaction's Patient
  std::string id;                               // "Patient/<id>" -> "<id>"
  std::optional<model::Identifier> identifier;  // a logical reference
  bool same_as(const PatientRef& other) const;
};

// The subject of `e` (not a Patient), resolved against the other entries; nullopt after adding a
// problem (missing, not a Patient, pointing nowhere).
std::optional<PatientRef> subject_of(const Entry& e, const std::vector<Entry>& entries, const JsonDocument& doc,
                                     Problems& problems);

}  // namespace medgw::fhir

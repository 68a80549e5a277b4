#pragma once
// The fields a reviewer compares (`medgw mpi review`, the admin API's review list), read from a
// FHIR Patient as the store keeps it: a source record's document or a composed golden patient.
#include <string>
#include <vector>

namespace medgw::crmstore {

struct PatientFields {
  std::string name;        // the first name: its text, else family and given names
  std::string birth_date;
  std::string gender;
  std::vector<std::string> identifiers;  // "system|value"
  std::vector<std::string> phones;       // telecom values (phone first, then the others)
  std::vector<std::string> addresses;    // each address's text, else its parts
};

// Empty fields for JSON that is not a Patient object.
PatientFields patient_fields(const std::string& patient_json);

}  // namespace medgw::crmstore

#pragma once
// A scenario suite: conformance/suites/<name>/suite.yaml and the message files its steps name.
//
//   name: patient-lifecycle
//   description: Register, update and merge a patient
//   profile: medgw                  # profile set the messages are checked against in listen mode
//   steps:
//     - name: register patient
//       message: 01-register.hl7    # relative to the suite directory
//       ack: AA                     # expected MSA-1
//       errors:                     # expected ERR segments (each must be present), for AE/AR
//         - {code: 101, location: PID-5}
//       archive:                    # checked through the gateway's FHIR API (run --fhir)
//         - patient: "BLH|000123"   # Patient?identifier=...; [system|]value
//           count: {DiagnosticReport: 1, Observation: 2}  # resources of that patient
//           same_patient_as: "BLH|000124"                 # merged: both resolve to one patient
//           contains: ['"status":"final"']                 # text in the patient's resources
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::conformance {

struct ExpectedError {
  int code = 0;          // ERR-3.1 (table 0357); 0: any
  std::string location;  // "PID-5": ERR-2.1 segment and ERR-2.3 field; "" for any
};

struct ArchiveCheck {
  std::string patient;  // identifier search value
  bool absent = false;  // the identifier must find no patient
  std::map<std::string, std::size_t> count;  // resource type -> how many for the patient
  std::string same_patient_as;
  std::vector<std::string> contains;
};

struct Step {
  std::string name;
  std::string message_file;
  std::string message;  // the file's bytes
  std::string ack = "AA";
  std::vector<ExpectedError> errors;
  std::vector<ArchiveCheck> archive;
};

struct Suite {
  std::string name;
  std::string description;
  std::string profile = "medgw";
  std::string directory;
  std::vector<Step> steps;
};

// Reads suite.yaml and every message file it names (each at most 4 MiB). The error names the file.
Expected<Suite, std::string> load_suite(const std::string& directory);

}  // namespace medgw::conformance

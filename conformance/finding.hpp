#pragma once
// One finding of the validator or of a scenario check, located as the NIST validator locates them:
// segment (and its occurrence), field, repetition, component, sub-component.
//
// `actual` is the value found. It may be patient data: it belongs in the vendor's own report
// (that is what the report is for) and must never be written to a log.
#include <cstddef>
#include <string>
#include <vector>

namespace medgw::conformance {

enum class Severity { kError, kWarning, kInfo };

const char* to_string(Severity severity);

struct Location {
  std::string segment;          // "PID"; "" for the message as a whole
  std::size_t occurrence = 0;   // 1-based occurrence of that segment id; 0: not known
  std::size_t line = 0;         // 1-based position of the segment in the message
  std::size_t field = 0;
  std::size_t repetition = 0;
  std::size_t component = 0;
  std::size_t subcomponent = 0;

  // "PID[1]-3[2].4.1", as far as it is known; "message" when nothing is.
  std::string to_string() const;
};

struct Finding {
  Severity severity = Severity::kError;
  Location location;
  std::string rule;         // stable id: "usage.required", "datatype.NM", "value-set", ...
  int hl7_error_code = 0;   // HL7 table 0357 (101 required field missing, 102 data type, ...)
  std::string description;  // what is wrong, in a sentence
  std::string actual;       // the value found ("" when absent)
};

// One message (or scenario step) and what was found about it.
struct CaseResult {
  std::string name;         // "adt_a01.hl7 #1" or "step 2: register patient"
  std::string profile;      // the message profile applied ("ADT_A01"), if any
  std::string control_id;   // MSH-10
  std::string message_type; // "ADT^A01"
  std::vector<Finding> findings;

  std::size_t count(Severity severity) const;
  bool passed() const { return count(Severity::kError) == 0; }
};

}  // namespace medgw::conformance

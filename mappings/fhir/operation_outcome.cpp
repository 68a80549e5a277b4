#include "mappings/fhir/operation_outcome.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mappings/model/fhir_writer.hpp"

namespace medgw::fhir {

std::string operation_outcome_json(const std::vector<Issue>& issues) {
  rapidjson::StringBuffer buffer;
  model::json::CompactWriter w(buffer);
  const auto put = [&w](const char* key, std::string_view value) {
    w.Key(key);
    model::json::write_string(w, value);  // repairs invalid UTF-8 rather than writing broken JSON
  };
  w.StartObject();
  put("resourceType", "OperationOutcome");
  w.Key("issue");
  w.StartArray();
  const auto write_issue = [&](const Issue& i) {
    w.StartObject();
    put("severity", to_string(i.severity));
    put("code", i.code.empty() ? issue_code::kInvalid : i.code);
    if (!i.diagnostics.empty()) put("diagnostics", i.diagnostics);
    if (!i.expression.empty()) {
      w.Key("expression");
      w.StartArray();
      model::json::write_string(w, i.expression);
      w.EndArray();
    }
    w.EndObject();
  };
  for (const Issue& i : issues) write_issue(i);
  if (issues.empty()) write_issue({Severity::kInformation, issue_code::kInformational, "", "All OK"});
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace medgw::fhir

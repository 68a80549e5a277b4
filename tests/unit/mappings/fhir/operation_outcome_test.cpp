#include "mappings/fhir/operation_outcome.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

TEST(OperationOutcome, OneIssuePerIssue) {
  const std::vector<Issue> issues = {
      {Severity::kError, "required", "Observation.status", "Observation.status is required"},
      {Severity::kInformation, "not-supported", "", "\"quoted\""},
  };
  EXPECT_EQ(
      operation_outcome_json(issues),
      R"({"resourceType":"OperationOutcome","issue":[)"
      R"({"severity":"error","code":"required","diagnostics":"Observation.status is required","expression":["Observation.status"]},)"
      R"({"severity":"information","code":"not-supported","diagnostics":"\"quoted\""}]})");
}

TEST(OperationOutcome, EmptyListStillHasAnIssue) {
  EXPECT_EQ(
      operation_outcome_json({}),
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"All OK"}]})");
}

}  // namespace
}  // namespace medgw::fhir

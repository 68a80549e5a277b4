#include "adapters/fhir/access.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

TEST(Scopes, V1ReadWriteAndWildcards) {
  EXPECT_TRUE(scope_allows({"system/Patient.read"}, "Patient", Access::kRead));
  EXPECT_FALSE(scope_allows({"system/Patient.read"}, "Patient", Access::kWrite));
  EXPECT_FALSE(scope_allows({"system/Patient.read"}, "Observation", Access::kRead));
  EXPECT_TRUE(scope_allows({"system/*.write"}, "Observation", Access::kWrite));
  EXPECT_FALSE(scope_allows({"system/*.write"}, "Observation", Access::kRead));
  EXPECT_TRUE(scope_allows({"system/*.*"}, "DiagnosticReport", Access::kRead));
  EXPECT_TRUE(scope_allows({"system/Patient.read", "system/Observation.write"}, "Observation", Access::kWrite));
}

TEST(Scopes, V2Letters) {
  EXPECT_TRUE(scope_allows({"system/Observation.rs"}, "Observation", Access::kRead));
  EXPECT_FALSE(scope_allows({"system/Observation.rs"}, "Observation", Access::kWrite));
  EXPECT_TRUE(scope_allows({"system/*.cruds"}, "Patient", Access::kWrite));
  EXPECT_TRUE(scope_allows({"system/Observation.c"}, "Observation", Access::kWrite));
  EXPECT_FALSE(scope_allows({"system/Observation.d"}, "Observation", Access::kWrite));
  EXPECT_FALSE(scope_allows({"system/Observation.xyz"}, "Observation", Access::kRead));
}

TEST(Scopes, MalformedOrForeignScopesGrantNothing) {
  EXPECT_FALSE(scope_allows({}, "Patient", Access::kRead));
  EXPECT_FALSE(scope_allows({"patient/Patient.read"}, "Patient", Access::kRead));
  EXPECT_FALSE(scope_allows({"system/Patient"}, "Patient", Access::kRead));
  EXPECT_FALSE(scope_allows({"openid", "offline_access"}, "Patient", Access::kRead));
  EXPECT_FALSE(scope_allows({"system/Pat.read"}, "Patient", Access::kRead));
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace medgw::fhir

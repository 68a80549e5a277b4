// Patient/$match over the FHIR API (fhir_match.cpp): Parameters in, a searchset Bundle of golden
// patients out, each with search.mode match, search.score and the match-grade extension; the
// errors as OperationOutcomes; read scope; nothing written but the audit row. A real CRM store
// filled through apply(), the API driven without a socket.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>

#include "../crmstore/crmstore_test_support.hpp"
#include "adapters/crmstore/archive_reader.hpp"
#include "adapters/fhir/authenticator.hpp"
#include "adapters/fhir/fhir_api.hpp"
#include "adapters/fhir/match_request.hpp"

namespace medgw::fhir {
namespace {

using crmstore::testing::adt;
using crmstore::testing::mrn;
using crmstore::testing::national;
using crmstore::testing::patient;
using crmstore::testing::valid_national_id;

constexpr const char* kMatchGrade = "http://hl7.org/fhir/StructureDefinition/match-grade";

class PatientMatchApi : public crmstore::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // Golden 1: 张三 (MRN M1, a valid national ID). Golden 2: Kayla Harrington with an address.
    // Golden 3: Kayla Harrington under MRN M3, without it (probable for golden 2: its own patient).
    ASSERT_EQ(apply_one(1, adt("HIS", patient("HIS", {mrn("M1"), national(valid_national_id())}))).status,
              crmstore::ApplyStatus::kApplied);
    auto kayla = patient("HIS", {mrn("M2")}, "Harrington", "Kayla");
    model::Address a;
    a.line = {"12 maltby circuit"};
    a.city = "coolaroo";
    a.postal_code = "3465";
    kayla.patient.address = {a};
    ASSERT_EQ(apply_one(2, adt("HIS", kayla, "ADT2")).status, crmstore::ApplyStatus::kApplied);
    ASSERT_EQ(apply_one(3, adt("HIS", patient("HIS", {mrn("M3")}, "Harrington", "Kayla"), "ADT3")).status,
              crmstore::ApplyStatus::kApplied);
    AccessConfig access;
    access.api_keys.push_back({"crm", sha256_hex("patient-reader"), {"system/Patient.read"}});
    access.api_keys.push_back({"lab", sha256_hex("obs-only"), {"system/Observation.read", "system/Patient.write"}});
    auto auth = Authenticator::create(access);
    ASSERT_TRUE(auth) << auth.error();
    auth_ = std::move(*auth);
    auto reader = crmstore::ArchiveReader::open(path_);
    ASSERT_TRUE(reader) << reader.error();
    reader_ = std::move(*reader);
    api_ = std::make_unique<FhirApi>(FhirApiConfig{}, *auth_, *reader_, nullptr);
  }
  void TearDown() override {
    api_.reset();
    reader_.reset();
    StoreTest::TearDown();
  }

  HttpResponse call(const std::string& method, const std::string& body, const std::string& token = "patient-reader",
                    const std::string& content_type = "application/fhir+json") {
    HttpRequest req;
    req.method = method;
    req.path = "/fhir/Patient/$match";
    req.target = req.path;
    req.headers.emplace_back("host", "medgw.test");
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    if (!body.empty()) req.headers.emplace_back("content-type", content_type);
    req.body = body;
    return api_->handle(req);
  }

  static std::string parameters(const std::string& patient_json, const std::string& more = "") {
    return R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":)" + patient_json + "}" + more +
           "]}";
  }
  static std::string kayla(bool address) {
    return std::string(R"({"resourceType":"Patient","name":[{"family":"Harrington","given":["Kayla"]}],)") +
           R"("gender":"male","birthDate":"1990-03-07")" +
           (address ? R"(,"address":[{"line":["12 maltby circuit"],"city":"coolaroo","postalCode":"3465"}])" : "") +
           "}";
  }

  static rapidjson::Document parse(const HttpResponse& res) {
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << res.body;
    return d;
  }
  static std::string grade_of(const rapidjson::Value& entry) {
    const auto& ext = entry["search"]["extension"];
    EXPECT_EQ(ext.Size(), 1u);
    EXPECT_STREQ(ext[0]["url"].GetString(), kMatchGrade);
    return ext[0]["valueCode"].GetString();
  }
  static std::vector<std::string> ids(const rapidjson::Document& bundle) {
    std::vector<std::string> out;
    if (!bundle.HasMember("entry")) return out;
    for (const auto& e : bundle["entry"].GetArray()) {
      if (e.HasMember("resource") && e["resource"].HasMember("id")) out.emplace_back(e["resource"]["id"].GetString());
    }
    return out;
  }
  void expect_outcome(const HttpResponse& res, unsigned status, const std::string& what) {
    EXPECT_EQ(res.status, status) << what << ": " << res.body;
    auto d = parse(res);
    ASSERT_TRUE(d.IsObject()) << what;
    EXPECT_STREQ(d["resourceType"].GetString(), "OperationOutcome") << what;
  }

  std::map<std::string, std::int64_t> row_counts() {
    std::map<std::string, std::int64_t> out;
    for (const char* t : {"golden_patients", "source_records", "links", "identifiers", "blocking_keys",
                          "review_tasks", "merges", "resource_history", "patient_names", "outbox", "mpi_operations"}) {
      out[t] = count(std::string("SELECT count(*) FROM ") + t);
    }
    return out;
  }

  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<crmstore::ArchiveReader> reader_;
  std::unique_ptr<FhirApi> api_;
};

TEST_F(PatientMatchApi, ASharedNationalIdIsCertainWithScoreOne) {
  const std::string id = valid_national_id();
  auto res = call("POST", parameters(R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.156.10011.1.1",)"
                                     R"("value":")" + id + R"("}],"gender":"male","birthDate":"1990-03-07"})"));
  ASSERT_EQ(res.status, 200u) << res.body;
  auto b = parse(res);
  EXPECT_STREQ(b["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(b["type"].GetString(), "searchset");
  EXPECT_EQ(b["total"].GetInt(), 1);
  ASSERT_EQ(ids(b), std::vector<std::string>{"1"});
  const auto& e = b["entry"][0];
  EXPECT_STREQ(e["fullUrl"].GetString(), "http://medgw.test/fhir/Patient/1");
  EXPECT_STREQ(e["resource"]["resourceType"].GetString(), "Patient");
  EXPECT_STREQ(e["search"]["mode"].GetString(), "match");
  EXPECT_EQ(e["search"]["score"].GetDouble(), 1.0);
  EXPECT_EQ(grade_of(e), "certain");
  // The golden patient as GET Patient/1 serves it: its links to its source records.
  ASSERT_TRUE(e["resource"].HasMember("link"));
  EXPECT_STREQ(e["resource"]["link"][0]["type"].GetString(), "seealso");
}

TEST_F(PatientMatchApi, DemographicMatchesAreGradedAndOrderedBestFirst) {
  auto res = call("POST", parameters(kayla(true)));
  ASSERT_EQ(res.status, 200u) << res.body;
  auto b = parse(res);
  ASSERT_EQ(ids(b), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(grade_of(b["entry"][0]), "certain");
  EXPECT_EQ(grade_of(b["entry"][1]), "probable");
  const double s0 = b["entry"][0]["search"]["score"].GetDouble(), s1 = b["entry"][1]["search"]["score"].GetDouble();
  EXPECT_GT(s0, s1);
  EXPECT_LT(s0, 1.0);
  EXPECT_GT(s1, 0.0);
}

TEST_F(PatientMatchApi, OnlyCertainMatchesAndCountAreHonoured) {
  auto only = parse(call("POST", parameters(kayla(true), R"(,{"name":"onlyCertainMatches","valueBoolean":true})")));
  EXPECT_EQ(ids(only), std::vector<std::string>{"2"});
  auto one = parse(call("POST", parameters(kayla(true), R"(,{"name":"count","valueInteger":1})")));
  EXPECT_EQ(ids(one), std::vector<std::string>{"2"});
  auto none = parse(call("POST", parameters(kayla(false), R"(,{"name":"onlyCertainMatches","valueBoolean":true})")));
  EXPECT_TRUE(ids(none).empty()) << "probable ones only";
  EXPECT_EQ(none["total"].GetInt(), 0);
  // Two certain (identifiers of two patients): with the flag, none, and an OperationOutcome says why.
  const std::string both =
      R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.156.1.1.1","value":"M1"},)"
      R"({"system":"urn:oid:1.2.156.1.1.1","value":"M2"}]})";
  EXPECT_EQ(ids(parse(call("POST", parameters(both)))), (std::vector<std::string>{"1", "2"}));
  auto ambiguous = parse(call("POST", parameters(both, R"(,{"name":"onlyCertainMatches","valueBoolean":true})")));
  EXPECT_EQ(ambiguous["total"].GetInt(), 0);
  ASSERT_EQ(ambiguous["entry"].Size(), 1u);
  EXPECT_STREQ(ambiguous["entry"][0]["search"]["mode"].GetString(), "outcome");
  EXPECT_STREQ(ambiguous["entry"][0]["resource"]["resourceType"].GetString(), "OperationOutcome");
  // count above the maximum is lowered, not refused.
  EXPECT_EQ(call("POST", parameters(kayla(true), R"(,{"name":"count","valueInteger":100000})")).status, 200u);
}

TEST_F(PatientMatchApi, BadRequestsGetTheirStatus) {
  expect_outcome(call("GET", ""), 405, "GET");
  const auto get = call("GET", "");
  EXPECT_NE(std::find(get.headers.begin(), get.headers.end(), std::pair<std::string, std::string>{"Allow", "POST"}),
            get.headers.end());
  expect_outcome(call("POST", R"({"resourceType":"Parameters","parameter":[]})"), 400, "no resource");
  expect_outcome(call("POST", R"({"resourceType":"Parameters"})"), 400, "no parameter at all");
  expect_outcome(call("POST", parameters(R"({"resourceType":"Observation","status":"final"})")), 400, "not a Patient");
  expect_outcome(call("POST", kayla(true)), 400, "a bare Patient");
  expect_outcome(call("POST", parameters(kayla(true), R"(,{"name":"onlyCertainMatch","valueBoolean":true})")), 400,
                 "unknown parameter");
  expect_outcome(call("POST", parameters(kayla(true), R"(,{"name":"count","valueInteger":0})")), 400, "count 0");
  expect_outcome(call("POST", parameters(kayla(true), R"(,{"name":"count","valueString":"5"})")), 400, "count typed");
  expect_outcome(call("POST", parameters(kayla(true), R"(,{"name":"count","valueInteger":2},{"name":"count","valueInteger":3})")),
                 400, "count twice");
  expect_outcome(call("POST", parameters(R"({"resourceType":"Patient","birthDate":19900307})")), 400,
                 "a Patient that is not R4");
  expect_outcome(call("POST", "{not json"), 400, "not JSON");
  expect_outcome(call("POST", parameters(kayla(true)), "patient-reader", "text/plain"), 415, "not FHIR");
  auto nothing = call("POST", parameters(R"({"resourceType":"Patient","gender":"female"})"));
  expect_outcome(nothing, 422, "nothing to match on");
  EXPECT_NE(nothing.body.find("nothing to match on"), std::string::npos) << nothing.body;
  std::string many = R"({"resourceType":"Patient","identifier":[)";
  for (int i = 0; i < 40; ++i) many += std::string(i ? "," : "") + R"({"system":"urn:oid:1.2.3","value":"X)" + std::to_string(i) + "\"}";
  expect_outcome(call("POST", parameters(many + "]}")), 400, "too many identifiers");
}

TEST_F(PatientMatchApi, ReadScopeOnPatientIsRequired) {
  auto res = call("POST", parameters(kayla(true)), "");
  EXPECT_EQ(res.status, 401u);
  expect_outcome(call("POST", parameters(kayla(true)), "obs-only"), 403, "Patient.write is not Patient.read");
}

TEST_F(PatientMatchApi, NothingIsWrittenButTheAuditRow) {
  const auto before = row_counts();
  const auto audits = count("SELECT count(*) FROM audit_log");
  // A Patient with an MRN nobody holds and no identifier at all: neither becomes a record.
  ASSERT_EQ(call("POST", parameters(R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.156.1.1.1",)"
                                    R"("value":"M99"}],"name":[{"family":"Harrington","given":["Kayla"]}],)"
                                    R"("gender":"male","birthDate":"1990-03-07"})")).status,
            200u);
  ASSERT_EQ(call("POST", parameters(kayla(true))).status, 200u);
  EXPECT_EQ(row_counts(), before);
  // One row per patient returned, as for a search: goldens 2 and 3 (probable both: the first
  // query lacks the address and carries another MRN of their hospital), then 2 and 3 again.
  EXPECT_EQ(count("SELECT count(*) FROM audit_log") - audits, 4);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'match' AND client = 'crm'"), 4);
  EXPECT_EQ(count("SELECT count(DISTINCT golden_id) FROM audit_log WHERE action = 'match'"), 2);
  EXPECT_EQ(text("SELECT query FROM audit_log WHERE action = 'match' LIMIT 1"), "/fhir/Patient/$match");
}

TEST(MatchRequest, ParametersAreReadStrictly) {
  auto ok = parse_match_request(
      R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient"}},)"
      R"({"name":"onlyCertainMatches","valueBoolean":true},{"name":"count","valueInteger":3}]})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->patient_json, R"({"resourceType":"Patient"})");
  EXPECT_TRUE(ok->only_certain);
  EXPECT_EQ(ok->count, 3u);
  auto defaults = parse_match_request(R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient"}}]})");
  ASSERT_TRUE(defaults);
  EXPECT_FALSE(defaults->only_certain);
  EXPECT_EQ(defaults->count, kDefaultMatchCount);
  auto two_values = parse_match_request(
      R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient"},"valueBoolean":true}]})");
  ASSERT_FALSE(two_values);
  EXPECT_EQ(two_values.error().expression, "Parameters.parameter[0]");
}

}  // namespace
}  // namespace medgw::fhir

// The patient index's admin API (mpi_admin_api.hpp): the operations over HTTP on a real CRM store,
// never without a token carrying the admin scope.
#include "adapters/fhir/mpi_admin_api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "../crmstore/crmstore_test_support.hpp"
#include "adapters/fhir/authenticator.hpp"

namespace medgw::fhir {
namespace {

using crmstore::testing::kLabPid;
using crmstore::testing::mrn;
using crmstore::testing::oru;
using crmstore::testing::patient;

class MpiAdminApiTest : public crmstore::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    AccessConfig access;
    access.api_keys.push_back({"ops-console", sha256_hex("admin-token"), {std::string(kMpiAdminScope)}});
    access.api_keys.push_back({"ehr", sha256_hex("data-token"), {"system/*.*"}});
    auto auth = Authenticator::create(access);
    ASSERT_TRUE(auth) << auth.error();
    auth_ = std::move(*auth);
    api_ = std::make_unique<MpiAdminApi>(*auth_, *store_);
  }
  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& token = "admin-token") {
    HttpRequest req;
    req.method = method;
    const auto q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) {
      const std::string query = path.substr(q + 1);
      const auto eq = query.find('=');
      req.query.emplace_back(query.substr(0, eq), query.substr(eq + 1));
    }
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    req.body = body;
    return api_->handle(req);
  }
  rapidjson::Document body(const HttpResponse& res) {
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << res.body;
    return d;
  }
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<MpiAdminApi> api_;
};

TEST_F(MpiAdminApiTest, NeverOpenWithoutATokenCarryingTheAdminScope) {
  EXPECT_EQ(call("GET", "/admin/mpi/review", "", "").status, 401u);
  EXPECT_EQ(call("GET", "/admin/mpi/review", "", "wrong-token").status, 401u);
  auto data_client = call("GET", "/admin/mpi/review", "", "data-token");
  EXPECT_EQ(data_client.status, 403u) << "system/*.* is a data client's scope, not an operator's";
  EXPECT_EQ(call("POST", "/admin/mpi/merge", R"({"from":1,"into":2,"reason":"x"})", "data-token").status, 403u);
  EXPECT_EQ(count("SELECT count(*) FROM mpi_operations"), 0);
  EXPECT_TRUE(MpiAdminApi::handles("/admin/mpi/merge"));
  EXPECT_FALSE(MpiAdminApi::handles("/fhir/Patient"));
}

TEST_F(MpiAdminApiTest, ReviewMergeUnmergeAndHistoryOverHttp) {
  ASSERT_EQ(apply_one(1, oru("HIS", patient("HIS", {mrn("M1")}))).status, crmstore::ApplyStatus::kApplied);
  ASSERT_EQ(apply_one(2, oru("LIS", patient("LIS", {mrn("L1", kLabPid)}))).status, crmstore::ApplyStatus::kApplied);
  auto review = call("GET", "/admin/mpi/review");
  ASSERT_EQ(review.status, 200u) << review.body;
  auto tasks = body(review);
  ASSERT_TRUE(tasks.IsArray());
  ASSERT_EQ(tasks.Size(), 1u);
  EXPECT_STREQ(tasks[0]["kind"].GetString(), "probable-match");
  EXPECT_STREQ(tasks[0]["source_record"]["fields"]["name"].GetString(), "张 三");
  // The lab's record has a golden patient of its own; the HIS patient is the candidate beside it.
  const std::int64_t own = tasks[0]["golden"]["id"].GetInt64();
  ASSERT_EQ(tasks[0]["other_goldens"].Size(), 1u);
  const std::int64_t candidate = tasks[0]["other_goldens"][0].GetInt64();
  ASSERT_EQ(tasks[0]["candidates"].Size(), 1u);
  EXPECT_EQ(tasks[0]["candidates"][0]["id"].GetInt64(), candidate);
  EXPECT_STREQ(tasks[0]["candidates"][0]["fields"]["name"].GetString(), "张 三");
  EXPECT_NE(own, candidate);

  // The reviewer says they are one person; then takes it back. The body names the person at the
  // console.
  auto merged = call("POST", "/admin/mpi/merge",
                     R"({"from":)" + std::to_string(own) + R"(,"into":)" + std::to_string(candidate) +
                         R"(,"reason":"the same person","by":"alice"})");
  ASSERT_EQ(merged.status, 200u) << merged.body;
  const std::int64_t merge = body(merged)["merge"].GetInt64();
  EXPECT_EQ(count("SELECT count(*) FROM review_tasks WHERE status = 'open'"), 0) << "the merge answered the task";
  auto unmerged = call("POST", "/admin/mpi/unmerge", R"({"merge":)" + std::to_string(merge) + R"(,"reason":"no"})");
  ASSERT_EQ(unmerged.status, 200u) << unmerged.body;
  auto again = call("POST", "/admin/mpi/unmerge", R"({"merge":)" + std::to_string(merge) + R"(,"reason":"no"})");
  EXPECT_EQ(again.status, 409u);
  EXPECT_NE(body(again)["error"].GetString(), std::string());

  auto history = call("GET", "/admin/mpi/history?golden=" + std::to_string(candidate));
  ASSERT_EQ(history.status, 200u) << history.body;
  auto ops = body(history);
  ASSERT_EQ(ops.Size(), 2u) << history.body;
  EXPECT_STREQ(ops[0]["kind"].GetString(), "merge");
  EXPECT_STREQ(ops[0]["by"].GetString(), "alice via ops-console");
  EXPECT_STREQ(ops[1]["kind"].GetString(), "unmerge");
  EXPECT_STREQ(ops[1]["by"].GetString(), "ops-console");
  EXPECT_EQ(ops[1]["undoes"].GetInt64(), ops[0]["id"].GetInt64());
}

TEST_F(MpiAdminApiTest, BadRequestsAreRefusedWithTheirStatus) {
  EXPECT_EQ(call("GET", "/admin/mpi/merge").status, 405u);
  EXPECT_EQ(call("POST", "/admin/mpi/review").status, 405u);
  EXPECT_EQ(call("POST", "/admin/mpi/explode", "{}").status, 404u);
  EXPECT_EQ(call("POST", "/admin/mpi/merge", "not json").status, 400u);
  EXPECT_EQ(call("POST", "/admin/mpi/merge", R"({"from":1,"into":2})").status, 400u) << "a reason is required";
  EXPECT_EQ(call("POST", "/admin/mpi/merge", R"({"from":"1","into":2,"reason":"x"})").status, 400u);
  EXPECT_EQ(call("POST", "/admin/mpi/merge", R"({"from":1,"into":2,"reason":"x"})").status, 409u) << "no such patients";
  EXPECT_EQ(call("GET", "/admin/mpi/history").status, 400u);
  EXPECT_EQ(call("GET", "/admin/mpi/history?golden=77").status, 404u);
}

}  // namespace
}  // namespace medgw::fhir

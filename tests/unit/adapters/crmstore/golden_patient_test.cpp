// Survivorship (survivorship.hpp): which source record gives the golden patient each field, by the
// declared rules, and the golden patient following its links as they change.
#include "adapters/crmstore/golden_patient.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "crmstore_test_support.hpp"

namespace medgw::crmstore {
namespace {

// Made-up records: the HIS registered the patient first; the LIS and a kiosk wrote later.
const SourceRecordDocument kHis{
    R"({"resourceType":"Patient","id":"src-1","identifier":[{"system":"urn:his","value":"M1"}],)"
    R"("name":[{"family":"张","given":["三"]}],"birthDate":"1990-03-07","gender":"male",)"
    R"("telecom":[{"system":"phone","value":"010-1"}],"address":[{"city":"北京"}]})",
    "HIS^HOSP", "2026-11-01T08:00:00.000Z"};
const SourceRecordDocument kLab{
    R"({"resourceType":"Patient","id":"src-2","identifier":[{"system":"urn:lis","value":"L1"}],)"
    R"("name":[{"family":"张","given":["山"]}],"birthDate":"1990-03-08","gender":"male",)"
    R"("telecom":[{"system":"phone","value":"010-2"}],"maritalStatus":{"text":"M"}})",
    "LIS^HOSP", "2026-11-05T08:00:00.000Z"};
const SourceRecordDocument kKiosk{
    R"({"resourceType":"Patient","id":"src-3","identifier":[{"system":"urn:kiosk","value":"K1"}],)"
    R"("name":[{"text":"Zhang San"}],"gender":"unknown"})",
    "KIOSK", "2026-11-03T08:00:00.000Z"};

rapidjson::Document compose(const std::vector<SourceRecordDocument>& records, const SurvivorshipRules& rules = {}) {
  rapidjson::Document d;
  d.Parse(compose_golden_patient(7, records, rules).c_str());
  EXPECT_TRUE(d.IsObject());
  return d;
}

std::string given(const rapidjson::Document& d) {
  if (!d["name"][0].HasMember("given")) return d["name"][0]["text"].GetString();
  return d["name"][0]["given"][0].GetString();
}

TEST(Survivorship, MostRecentByUpdateTimeIsTheDefault) {
  // Passed in write order HIS, LIS, kiosk; the LIS record changed last.
  auto d = compose({kHis, kLab, kKiosk});
  EXPECT_EQ(std::string(d["id"].GetString()), "7");
  EXPECT_EQ(given(d), "山");
  EXPECT_EQ(std::string(d["birthDate"].GetString()), "1990-03-08");
  EXPECT_EQ(std::string(d["gender"].GetString()), "male");
  EXPECT_EQ(std::string(d["telecom"][0]["value"].GetString()), "010-2");
  // The latest record has no address: the most recent one that has it gives it.
  ASSERT_TRUE(d.HasMember("address"));
  EXPECT_EQ(std::string(d["address"][0]["city"].GetString()), "北京");
  EXPECT_TRUE(d.HasMember("maritalStatus")) << "other elements from the latest record";
  EXPECT_EQ(d["identifier"].Size(), 3u);
  EXPECT_EQ(d["link"].Size(), 3u);
}

TEST(Survivorship, MostTrustedTakesTheHighestRankedSenderThatHasTheField) {
  SurvivorshipRules rules;
  rules.trusted_senders = {"HIS^HOSP", "LIS^HOSP"};
  rules.name = SurvivorshipRule::kMostTrusted;
  rules.birth_date = SurvivorshipRule::kMostTrusted;
  rules.gender = SurvivorshipRule::kMostTrusted;
  auto d = compose({kHis, kLab, kKiosk}, rules);
  EXPECT_EQ(given(d), "三") << "the HIS outranks the later LIS";
  EXPECT_EQ(std::string(d["birthDate"].GetString()), "1990-03-07");
  EXPECT_EQ(std::string(d["gender"].GetString()), "male");
  EXPECT_EQ(std::string(d["telecom"][0]["value"].GetString()), "010-2") << "telecom stays most recent";

  // Without the HIS record the LIS is the most trusted left; the unlisted kiosk comes last even
  // though it is more recent than the HIS.
  auto lab_first = compose({kKiosk, kLab}, rules);
  EXPECT_EQ(given(lab_first), "山");
  rules.trusted_senders = {"LIS^HOSP"};
  auto unranked = compose({kHis, kKiosk}, rules);
  EXPECT_EQ(given(unranked), "Zhang San") << "unranked senders fall back to most recent";
}

TEST(Survivorship, AFieldNoRecordHasIsAbsent) {
  auto d = compose({kKiosk});
  EXPECT_FALSE(d.HasMember("birthDate"));
  EXPECT_FALSE(d.HasMember("telecom"));
  EXPECT_EQ(std::string(d["gender"].GetString()), "unknown");
}

class SurvivorshipInTheStore : public testing::StoreTest {};

TEST_F(SurvivorshipInTheStore, TheGoldenPatientIsRecomposedWhenItsLinksChange) {
  // Reopen with rules: the HIS is trusted for names.
  store_.reset();
  SurvivorshipRules rules;
  rules.trusted_senders = {"HIS"};
  rules.name = SurvivorshipRule::kMostTrusted;
  auto s = SqliteCrmStore::open(path_, rules);
  ASSERT_TRUE(s) << s.error();
  store_ = std::move(*s);

  using testing::mrn;
  ASSERT_EQ(apply_one(1, testing::adt("HIS", testing::patient("HIS", {mrn("M1")}, "张", "三"))).status,
            ApplyStatus::kApplied);
  // The lab's record (sharing the MRN: a certain link) spells the name differently, later.
  auto lab = testing::patient("LIS", {mrn("L1", testing::kLabPid), mrn("M1")}, "张", "三");
  lab.patient.name[0].given = {"叁"};
  lab.patient.telecom.push_back({"phone", "13800000000", "mobile"});
  ASSERT_EQ(apply_one(2, testing::oru("LIS", lab)).status, ApplyStatus::kApplied);
  ASSERT_EQ(count("SELECT count(DISTINCT golden_id) FROM links WHERE undone IS NULL"), 1) << "linked";

  auto patient_of = [&](const std::string& system, const std::string& value) {
    auto bundle = archive(system, value);
    return std::string(bundle["entry"][0]["resource"]["name"][0]["given"][0].GetString()) + "|" +
           (bundle["entry"][0]["resource"].HasMember("telecom") ? "phone" : "-");
  };
  EXPECT_EQ(patient_of(testing::kMrn, "M1"), "三|phone") << "name from the HIS, phone from the LIS";

  const auto lab_record = count("SELECT id FROM source_records WHERE sender = 'LIS'");
  ASSERT_TRUE(store_->unlink_record(lab_record, testing::kOperator));
  EXPECT_EQ(patient_of(testing::kMrn, "M1"), "三|-") << "the LIS record's phone left with it";
  EXPECT_EQ(patient_of(testing::kLabPid, "L1"), "叁|phone");
}

}  // namespace
}  // namespace medgw::crmstore

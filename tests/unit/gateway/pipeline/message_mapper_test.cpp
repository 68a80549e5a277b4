// The message mapper: charset choice, decode, map, site profile; failures named for operators.
#include "gateway/pipeline/message_mapper.hpp"

#include <gtest/gtest.h>

#include "mappings/hl7v2/charset.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::pipeline {
namespace {

std::string adt(const std::string& control_id, const std::string& mrn) {
  return "MSH|^~\\&|HIS|HOSP|CRM|HOSP|20240301083000||ADT^A08^ADT_A01|" + control_id +
         "|P|2.5.1\rEVN|A08|20240301083000\rPID|1||" + mrn + "^^^HOSP^MR||Wang^Fang||19800101|F\rPV1|1|O\r";
}

Envelope envelope_of(const std::string& raw) {
  Envelope e;
  e.source = "his";
  e.content_type = kContentTypeHl7v2;
  e.raw = raw;
  return e;
}

TEST(MessageMapper, TheListenersCharsetDecodesTheBody) {
  MessageMapper gbk(nullptr, {{"his", *hl7v2::find_charset("GBK")}});
  Envelope e = envelope_of(adt("G2", "P1").replace(adt("G2", "P1").find("Wang"), 4, "\xCD\xF5"));
  auto changes = gbk.map(e);
  ASSERT_TRUE(changes) << describe(changes.error());
  ASSERT_TRUE(changes->patient);
  ASSERT_FALSE(changes->patient->patient.name.empty());
  EXPECT_EQ(changes->patient->patient.name[0].family, "\xE7\x8E\x8B");  // 王
}

// The MLLP session asks default_charset_of_raw before it acknowledges a message: the site's
// charset for the sender named in the raw header wins over the listener's, and a sender the site
// does not name gets the listener's (or none).
TEST(MessageMapper, TheCharsetOfARawMessageIsTheSitesForItsSenderElseTheListeners) {
  sites::SiteProfile site;
  sites::SourceProfile his;
  his.sender = "HIS^HOSP";
  his.charset = "GBK";
  site.sources.push_back(his);
  MessageMapper mapper(&site, {{"lab", *hl7v2::find_charset("GB18030")}});
  auto cs = mapper.default_charset_of_raw("his", adt("C1", "P1"));
  ASSERT_TRUE(cs);
  EXPECT_EQ(cs->kind, hl7v2::find_charset("GBK")->kind);
  EXPECT_EQ(cs->name, hl7v2::find_charset("GBK")->name);
  const std::string other = "MSH|^~\\&|EMR|HOSP|CRM|HOSP|20240301083000||ADT^A08|C2|P|2.5.1\r";
  EXPECT_FALSE(mapper.default_charset_of_raw("his", other));
  cs = mapper.default_charset_of_raw("lab", other);
  ASSERT_TRUE(cs);
  EXPECT_EQ(cs->name, hl7v2::find_charset("GB18030")->name);

  // What the session accepts, the pipeline decodes the same way.
  Envelope e = envelope_of(adt("G3", "P1").replace(adt("G3", "P1").find("Wang"), 4, "\xCD\xF5"));
  auto changes = mapper.map(e);
  ASSERT_TRUE(changes) << describe(changes.error());
  EXPECT_EQ(changes->patient->patient.name[0].family, "\xE7\x8E\x8B");  // 王
}

TEST(MessageMapper, OtherContentTypesAreUnsupported) {
  MessageMapper mapper(nullptr, {});
  Envelope e = envelope_of("{}");
  e.content_type = kContentTypeFhirJson;
  auto r = mapper.map(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(describe(r.error()), "unsupported: content type application/fhir+json");
}

TEST(SenderOf, ReadsMsh3AndMsh4FromTheRawHeader) {
  EXPECT_EQ(sender_of("MSH|^~\\&|HIS^1.2^ISO|HOSP|CRM\r"), "HIS^HOSP");
  EXPECT_EQ(sender_of("MSH#^~\\&#LIS#LAB#\r"), "LIS^LAB");
  EXPECT_EQ(sender_of("\xEF\xBB\xBFMSH|^~\\&|A|B\r"), "A^B");
  EXPECT_EQ(sender_of("MSH|^~\\&|A"), "A^");
  EXPECT_EQ(sender_of("garbage"), "");
}

}  // namespace
}  // namespace medgw::pipeline

// The encoder (encoder.hpp): parse then encode gives back the input for well-formed messages with
// CR terminators; set() escapes text; MSH-1 and MSH-2 come from the delimiters.
#include <gtest/gtest.h>

#include <string>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/encoder.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::join;
using test::read_data;

std::string reencode(std::string_view input, const ParseOptions& options = {}) {
  auto m = Message::parse(input, options);
  EXPECT_TRUE(m) << m.error().describe();
  if (!m) return {};
  MessageWriter w;
  MessageWriter::copy_from(*m, w);
  return w.encode();
}

class RoundTripFile : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTripFile, EncodesBackToTheSameBytes) {
  const std::string input = read_data(GetParam());
  ASSERT_FALSE(input.empty());
  EXPECT_EQ(reencode(input), input);
}

INSTANTIATE_TEST_SUITE_P(Encoder, RoundTripFile,
                         ::testing::Values("adt_a01_his.hl7", "oru_r01_lab.hl7", "mdm_t02_report.hl7",
                                           "orm_o01_order.hl7", "siu_s12_appointment.hl7",
                                           "adt_a08_custom_delimiters.hl7", "oru_truncation_char.hl7"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string n = param_info.param;
                           return n.substr(0, n.find('.'));
                         });

TEST(Encoder, KeepsTrailingDelimitersEmptyRepetitionsAndNulls) {
  const std::string input = join({
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240512100000||ADT^A08^ADT_A01|ENC-0001|P|2.5|||||",
      "PID|1||P0012345^^^BLH^MR~~110101199003071234^^^SFZH^NI~||王^芳^^^^^|\"\"|19900307|||||~~",
      "ZLR|A^B^|~~|&|^&^|\"\"^\"\"|a&&b||",
      "NTE",
      "NTE|",
      "NTE|||",
  });
  EXPECT_EQ(reencode(input), input);
}

TEST(Encoder, KeepsEscapesExactlyAsReceived) {
  const std::string input = join({
      "MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240512100000||ORU^R01|ENC-0002|P|2.5.1",
      "OBX|1|FT|RPT^报告^L||\\H\\结论\\N\\\\.br\\\\.sp 2\\\\Zlocal\\ \\XE5BCA0\\ \\X0D0A\\ \\F\\\\S\\\\T\\\\R\\\\E\\ C:\\lis||||||F",
  });
  EXPECT_EQ(reencode(input), input);
}

TEST(Encoder, WritesCrTerminatorsWhateverTheInputUsed) {
  const std::string cr = read_data("orm_o01_order.hl7");
  std::string lf = cr;
  for (char& c : lf) {
    if (c == '\r') c = '\n';
  }
  EXPECT_EQ(reencode(lf), cr);
  EXPECT_EQ(reencode("\xEF\xBB\xBF" + lf), cr);
}

TEST(Encoder, EncodesTranscodedMessagesAsUtf8) {
  auto gbk = encode_from_utf8("MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240512100000||ADT^A04|ENC-0003|P|2.4\r"
                              "PID|1||P1^^^BLH^MR||王億^瑋\r",
                              *find_charset("GBK"));
  ASSERT_TRUE(gbk);
  ParseOptions o;
  o.default_charset = find_charset("GBK");
  EXPECT_EQ(reencode(*gbk, o),
            "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240512100000||ADT^A04|ENC-0003|P|2.4\rPID|1||P1^^^BLH^MR||王億^瑋\r");
}

TEST(Encoder, WritesMsh1AndMsh2FromTheDelimiters) {
  MessageWriter w;
  SegmentWriter& msh = w.add("MSH");
  msh.set(3, "MEDGW").set(9, 1, 1, 1, "ACK").set(10, "C1").set(12, "2.5.1");
  EXPECT_EQ(w.encode(), "MSH|^~\\&|MEDGW||||||ACK|C1||2.5.1\r");

  MessageWriter odd(Delimiters{'#', '$', '%', '*', '!', 0});
  odd.add("MSH").set(3, "MEDGW").set(9, 1, 2, 1, "A01");
  EXPECT_EQ(odd.encode(), "MSH#$%*!#MEDGW######$A01\r");

  MessageWriter trunc(Delimiters{'|', '^', '~', '\\', '&', '#'});
  trunc.add("MSH").set(3, "MEDGW");
  EXPECT_EQ(trunc.encode(), "MSH|^~\\&#|MEDGW\r");
}

TEST(Encoder, IgnoresAttemptsToOverwriteMsh1AndMsh2) {
  MessageWriter w;
  w.add("MSH").set(1, "#").set_raw(2, "$%*!").set(3, "MEDGW");
  EXPECT_EQ(w.encode(), "MSH|^~\\&|MEDGW\r");
}

TEST(Encoder, SetEscapesTextAndPlacesItByPosition) {
  MessageWriter w;
  w.add("MSH").set(3, "LIS");
  SegmentWriter& obx = w.add("OBX");
  obx.set(1, "1").set(2, "ST");
  obx.set(3, 1, 1, 1, "GLU").set(3, 1, 2, 1, "血糖").set(3, 1, 3, 1, "L");
  obx.set(5, "A|B^C~D\\E&F");
  obx.set(6, 2, 1, 1, "mmol/L");
  obx.set(7, 1, 2, 3, "x");
  EXPECT_EQ(obx.encode(), "OBX|1|ST|GLU^血糖^L||A\\F\\B\\S\\C\\R\\D\\E\\E\\T\\F|~mmol/L|^&&x");

  // What set() wrote reads back as the same text.
  const std::string text = w.encode();
  HL7_PARSE(m, text);
  Segment parsed = *m->find("OBX");
  EXPECT_EQ(parsed.field(5).value(), "A|B^C~D\\E&F");
  EXPECT_EQ(parsed.field(3).component(2).value(), "血糖");
  EXPECT_EQ(parsed.field(6).repetition(2).value(), "mmol/L");
  EXPECT_EQ(parsed.field(7).component(2).subvalue(3), "x");
}

TEST(Encoder, SetUsesTheLineBreakStyleAsked) {
  MessageWriter w;
  SegmentWriter& obx = w.add("OBX");
  obx.set(5, "第一行\r\n第二行");
  obx.set(6, "a\r\nb", EscapeOptions{LineBreaks::kHex});
  EXPECT_EQ(obx.encode(), "OBX|||||第一行\\.br\\第二行|a\\X0D\\\\X0A\\b");
}

TEST(Encoder, SetEscapesWithTheWritersOwnDelimiters) {
  MessageWriter w(Delimiters{'#', '$', '%', '*', '!', 0});
  w.add("NTE").set(3, "100#200 $ 备注! 50%");
  EXPECT_EQ(w.encode(), "NTE###100*F*200 *S* 备注*T* 50*R*\r");
}

TEST(Encoder, SetRawSplitsAlreadyEncodedText) {
  MessageWriter w;
  SegmentWriter& pid = w.add("PID");
  pid.set_raw(3, "P1^^^BLH^MR~~421281199507100051^^^&SFZH");
  pid.set(3, 2, 1, 1, "1600000030");
  EXPECT_EQ(pid.encode(), "PID|||P1^^^BLH^MR~1600000030~421281199507100051^^^&SFZH");
  pid.set_raw(3, "");
  EXPECT_EQ(pid.encode(), "PID|||");
}

TEST(Encoder, EditsACopiedMessage) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  MessageWriter w;
  MessageWriter::copy_from(*m, w);
  ASSERT_EQ(w.segment_count(), m->segment_count());
  SegmentWriter& pid = w.segment(2);
  ASSERT_EQ(pid.id(), "PID");
  pid.set(5, 1, 2, 1, "三丰");
  const std::string out = w.encode();
  HL7_PARSE(edited, out);
  EXPECT_EQ(edited->find("PID")->field(5).component(1).value(), "张");
  EXPECT_EQ(edited->find("PID")->field(5).component(2).value(), "三丰");
  EXPECT_EQ(edited->find("PID")->field(3).raw(), m->find("PID")->field(3).raw());
  EXPECT_EQ(edited->find("ZPI")->raw(), m->find("ZPI")->raw());
}

}  // namespace
}  // namespace medgw::hl7v2

// Typed readers (data_types.hpp): CX, XPN, XAD, XTN, CWE/CE, EI, HD, TS and ED, read from the
// project's own messages.
#include <gtest/gtest.h>

#include <string>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/data_types.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::read_data;

Repetition rep(std::string_view raw) { return Repetition(raw, &kDefaultDelimiters, false); }

TEST(DataTypes, CxReadsIdentifiersTypedByAssigningAuthority) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  Field ids = m->find("PID")->field(3);
  CX blh = read_cx(ids.repetition(1));
  EXPECT_EQ(blh.id, "P0012345");
  EXPECT_EQ(blh.assigning_authority.namespace_id, "BLH");
  EXPECT_EQ(blh.identifier_type_code, "MR");
  CX sfzh = read_cx(ids.repetition(2));
  EXPECT_EQ(sfzh.id, "110101199003071234");
  EXPECT_EQ(sfzh.assigning_authority.namespace_id, "SFZH");
  EXPECT_EQ(sfzh.identifier_type_code, "NI");
  EXPECT_TRUE(sfzh.check_digit.empty());
}

TEST(DataTypes, CxReadsAssigningAuthoritySubComponents) {
  // WinningSoft style: the type travels as HD universal id, CX.4 = "&SFZH".
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  Field ids = m->find("PID")->field(3);
  const char* expected[][2] = {{"117", "PATID"}, {"1600000030", "BLH"}, {"421281199507100051", "SFZH"}, {"0", "YEXH"}};
  for (std::size_t i = 0; i < 4; ++i) {
    CX cx = read_cx(ids.repetition(i + 1));
    EXPECT_EQ(cx.id, expected[i][0]);
    EXPECT_EQ(cx.assigning_authority.namespace_id, "");
    EXPECT_EQ(cx.assigning_authority.universal_id, expected[i][1]);
    EXPECT_FALSE(cx.assigning_authority.empty());
  }

  CX full = read_cx(rep("12345^7^M10^HIS&1.2.156.112604.1.2&ISO^PI^H0001&1.2.156.1&ISO^20200101^20301231"));
  EXPECT_EQ(full.id, "12345");
  EXPECT_EQ(full.check_digit, "7");
  EXPECT_EQ(full.check_digit_scheme, "M10");
  EXPECT_EQ(full.assigning_authority.namespace_id, "HIS");
  EXPECT_EQ(full.assigning_authority.universal_id, "1.2.156.112604.1.2");
  EXPECT_EQ(full.assigning_authority.universal_id_type, "ISO");
  EXPECT_EQ(full.identifier_type_code, "PI");
  EXPECT_EQ(full.assigning_facility.namespace_id, "H0001");
  EXPECT_EQ(full.assigning_facility.universal_id, "1.2.156.1");
  EXPECT_EQ(full.effective_date, "20200101");
  EXPECT_EQ(full.expiration_date, "20301231");

  CX escaped = read_cx(rep("A\\S\\1^^^BLH"));
  EXPECT_EQ(escaped.id, "A^1");
  EXPECT_TRUE(read_cx(rep("")).assigning_authority.empty());
}

TEST(DataTypes, XpnReadsChineseAndWesternNames) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  XPN name = read_xpn(m->find("PID")->field(5).repetition(1));
  EXPECT_EQ(name.family, "张");
  EXPECT_EQ(name.given, "三");
  EXPECT_EQ(name.name_type_code, "L");

  XPN western = read_xpn(rep("van der Berg&van der&Berg^Anna^M^Jr^Dr^PhD^L"));
  EXPECT_EQ(western.family, "van der Berg");  // FN.1, not the prefix sub-components
  EXPECT_EQ(western.given, "Anna");
  EXPECT_EQ(western.middle, "M");
  EXPECT_EQ(western.suffix, "Jr");
  EXPECT_EQ(western.prefix, "Dr");
  EXPECT_EQ(western.degree, "PhD");
  EXPECT_EQ(western.name_type_code, "L");
}

TEST(DataTypes, XadReadsAnAddress) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  XAD home = read_xad(m->find("PID")->field(11).repetition(1));
  EXPECT_EQ(home.street, "人民路100号");
  EXPECT_EQ(home.other_designation, "");
  EXPECT_EQ(home.city, "武汉市");
  EXPECT_EQ(home.state, "湖北省");
  EXPECT_EQ(home.postal_code, "430000");
  EXPECT_EQ(home.country, "CHN");
  EXPECT_EQ(home.address_type, "H");

  XAD full = read_xad(rep("人民路1号&人民路&1^3单元^北京市^北京^100000^CHN^B^朝阳区^110105"));
  EXPECT_EQ(full.street, "人民路1号");
  EXPECT_EQ(full.other_designation, "3单元");
  EXPECT_EQ(full.address_type, "B");
  EXPECT_EQ(full.other_geographic, "朝阳区");
  EXPECT_EQ(full.county, "110105");
}

TEST(DataTypes, XtnReadsPhoneNumbersAndEmail) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  Field phones = m->find("PID")->field(13);
  XTN home = read_xtn(phones.repetition(1));
  EXPECT_EQ(home.use_code, "PRN");
  EXPECT_EQ(home.equipment_type, "PH");
  EXPECT_EQ(home.country_code, "86");
  EXPECT_EQ(home.area_code, "27");
  EXPECT_EQ(home.local_number, "87654321");
  EXPECT_EQ(home.number(), "+86 (27) 87654321");
  XTN mail = read_xtn(phones.repetition(2));
  EXPECT_EQ(mail.use_code, "NET");
  EXPECT_EQ(mail.equipment_type, "Internet");
  EXPECT_EQ(mail.email, "zhangsan@example.cn");

  EXPECT_EQ(read_xtn(rep("(027)87654321^WPN^PH^^86^27^87654321")).number(), "(027)87654321");  // XTN.1 wins
  EXPECT_EQ(read_xtn(rep("^WPN^PH^^^^87654321^8001")).number(), "87654321 ext 8001");
  EXPECT_EQ(read_xtn(rep("^PRN^CP^^86^^13912345678")).number(), "+86 13912345678");
  XTN any = read_xtn(rep("^PRN^PH^^^^^^夜间"));
  EXPECT_EQ(any.any_text, "夜间");
}

TEST(DataTypes, CweReadsCodesAlternatesAndOriginalText) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  CWE hgb = read_cwe(m->find("OBX", 1)->field(3).repetition(1));
  EXPECT_EQ(hgb.identifier, "718-7");
  EXPECT_EQ(hgb.text, "Hemoglobin");
  EXPECT_EQ(hgb.coding_system, "LN");
  EXPECT_EQ(hgb.alt_identifier, "HGB");
  EXPECT_EQ(hgb.alt_text, "血红蛋白");
  EXPECT_EQ(hgb.alt_coding_system, "L");
  CWE abo = read_cwe(m->find("OBX", 4)->field(5).repetition(1));
  EXPECT_EQ(abo.identifier, "A");
  EXPECT_EQ(abo.text, "A型");
  EXPECT_EQ(abo.coding_system, "HL70005");

  CWE full = read_cwe(rep("718-7^Hemoglobin^LN^HGB^血红蛋白^L^2.68^v1^Hemoglobin [Mass/volume] in Blood"));
  EXPECT_EQ(full.coding_system_version, "2.68");
  EXPECT_EQ(full.alt_coding_system_version, "v1");
  EXPECT_EQ(full.original_text, "Hemoglobin [Mass/volume] in Blood");
  EXPECT_FALSE(full.empty());
  EXPECT_TRUE(read_cwe(rep("")).empty());
  EXPECT_FALSE(read_cwe(rep("^^^^^^^^血常规")).empty());  // original text only
  EXPECT_EQ(read_cwe(rep("A\\T\\B^X\\S\\Y")).text, "X^Y");
}

TEST(DataTypes, EiAndHdReadOrderNumbersAndApplications) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EI placer = read_ei(m->find("ORC")->field(2).repetition(1));
  EXPECT_EQ(placer.entity_identifier, "ORD20240502001");
  EXPECT_EQ(placer.namespace_id, "HIS");
  EI filler = read_ei(rep("LAB20240502001^LIS^1.2.156.112604.1.3^ISO"));
  EXPECT_EQ(filler.universal_id, "1.2.156.112604.1.3");
  EXPECT_EQ(filler.universal_id_type, "ISO");

  HD sender = read_hd(m->segment(0).field(4).repetition(1));
  EXPECT_EQ(sender.namespace_id, "H0001");
  EXPECT_EQ(sender.universal_id, "1.2.156.112604.1.1");
  EXPECT_EQ(sender.universal_id_type, "ISO");
  EXPECT_FALSE(sender.empty());
  EXPECT_TRUE(read_hd(rep("")).empty());
  HD sub = read_hd_subcomponents(Component("HIS&1.2.3&ISO", &kDefaultDelimiters, false));
  EXPECT_EQ(sub.namespace_id, "HIS");
  EXPECT_EQ(sub.universal_id, "1.2.3");
  EXPECT_EQ(sub.universal_id_type, "ISO");
}

TEST(DataTypes, TsReadsTheDateTimeAndIgnoresTheDegreeOfPrecision) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  auto observed = read_ts(m->find("OBX", 1)->field(14).repetition(1));
  ASSERT_TRUE(observed) << observed.error();
  EXPECT_EQ(observed->to_iso8601(), "2024-05-02T09:30:00+08:00");
  auto with_degree = read_ts(rep("20240502093000^S"));
  ASSERT_TRUE(with_degree);
  EXPECT_EQ(with_degree->precision, DateTimePrecision::kSecond);
  auto birth = read_ts(m->find("PID")->field(7).repetition(1));
  ASSERT_TRUE(birth);
  EXPECT_EQ(birth->to_iso8601(480), "1990-03-07");
  EXPECT_FALSE(read_ts(rep("")));
  EXPECT_FALSE(read_ts(rep("19900230")));
}

TEST(DataTypes, EdDecodesABase64PdfReport) {
  const std::string input = read_data("mdm_t02_report.hl7");
  HL7_PARSE(m, input);
  ED ed = read_ed(m->find("OBX")->field(5).repetition(1));
  EXPECT_TRUE(ed.source_application.empty());
  EXPECT_EQ(ed.type_of_data, "AP");
  EXPECT_EQ(ed.data_subtype, "PDF");
  EXPECT_EQ(ed.encoding, "Base64");
  auto pdf = ed.decode();
  ASSERT_TRUE(pdf) << pdf.error();
  EXPECT_EQ(*pdf, std::string("%PDF-1.4\n%\xC7\xEC\x8F\xA2\n1 0 obj\n<</Type/Catalog>>\nendobj\n%%EOF\n"));
}

TEST(DataTypes, EdDecodesHexAndText) {
  ED hex = read_ed(rep("LIS^TEXT^^Hex^E8A180E7B396"));
  EXPECT_EQ(hex.source_application.namespace_id, "LIS");
  auto bytes = hex.decode();
  ASSERT_TRUE(bytes) << bytes.error();
  EXPECT_EQ(*bytes, "血糖");
  auto lower = read_ed(rep("^TEXT^^Hex^00ff")).decode();
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, std::string("\x00\xFF", 2));
  auto text = read_ed(rep("^TEXT^^A^结论\\F\\正常")).decode();
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "结论|正常");
}

TEST(DataTypes, EdReportsBadEncodedData) {
  EXPECT_FALSE(read_ed(rep("^AP^PDF^Base64^JVBER*i0x")).decode());
  EXPECT_FALSE(read_ed(rep("^AP^PDF^Base64^Q")).decode());       // six bits: truncated
  EXPECT_FALSE(read_ed(rep("^AP^PDF^Base64^QQ==QQ")).decode());  // data after padding
  EXPECT_FALSE(read_ed(rep("^TEXT^^Hex^ABC")).decode());         // odd
  EXPECT_FALSE(read_ed(rep("^TEXT^^Hex^GG")).decode());
  auto unknown = read_ed(rep("^AP^PDF^UU^xxxx")).decode();
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("UU"), std::string::npos) << unknown.error();
}

TEST(DataTypes, Base64IgnoresLineBreaksAndAcceptsMissingPadding) {
  auto wrapped = decode_base64("JVBE\r\nRi0x\nLjQK");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(*wrapped, "%PDF-1.4\n");
  auto unpadded = decode_base64("QUI");
  ASSERT_TRUE(unpadded);
  EXPECT_EQ(*unpadded, "AB");
  auto padded = decode_base64("QUI=");
  ASSERT_TRUE(padded);
  EXPECT_EQ(*padded, "AB");
  auto all = decode_base64("AP8=");
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, std::string("\x00\xFF", 2));
  EXPECT_EQ(*decode_base64(""), "");
}

TEST(DataTypes, ReadersWorkWithUnusualDelimiters) {
  const std::string input = read_data("adt_a08_custom_delimiters.hl7");
  HL7_PARSE(m, input);
  Segment pid = *m->find("PID");
  CX sfzh = read_cx(pid.field(3).repetition(2));
  EXPECT_EQ(sfzh.id, "110101199003071234");
  EXPECT_EQ(sfzh.assigning_authority.namespace_id, "SFZH");
  XPN name = read_xpn(pid.field(5).repetition(1));
  EXPECT_EQ(name.family, "王");
  EXPECT_EQ(name.given, "芳");
  XAD addr = read_xad(pid.field(11).repetition(1));
  EXPECT_EQ(addr.street, "人民路1号");
  EXPECT_EQ(addr.city, "北京市");
}

}  // namespace
}  // namespace medgw::hl7v2

// Character sets (charset.hpp and the parser's use of MSH-18): table 0211 codes and aliases, the
// per-source default, decoding to UTF-8 before splitting (the GBK trail-byte trap), located
// errors or replacement for invalid bytes, unknown and unsupported charsets.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/charset.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::charset;
using test::encode_as;
using test::join;
using test::parse_error_of;

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

ParseOptions with_default(std::string_view name, InvalidBytes invalid = InvalidBytes::kError) {
  ParseOptions o;
  o.default_charset = charset(name);
  o.invalid_bytes = invalid;
  return o;
}

// --- find_charset -------------------------------------------------------------------------------

struct CharsetCase {
  const char* lookup;
  const char* name;
  CharsetKind kind;
  bool supported;
};
void PrintTo(const CharsetCase& c, std::ostream* os) { *os << '"' << c.lookup << '"'; }

class FindCharset : public ::testing::TestWithParam<CharsetCase> {};

TEST_P(FindCharset, KnowsTable0211CodesAndTheAliasesSendersUse) {
  const CharsetCase& c = GetParam();
  auto cs = find_charset(c.lookup);
  ASSERT_TRUE(cs) << c.lookup;
  EXPECT_EQ(cs->name, c.name);
  EXPECT_EQ(cs->kind, c.kind);
  EXPECT_EQ(cs->supported, c.supported);
}

INSTANTIATE_TEST_SUITE_P(
    Charset, FindCharset,
    ::testing::Values(CharsetCase{"ASCII", "ASCII", CharsetKind::kAscii, true},
                      CharsetCase{"8859/1", "8859/1", CharsetKind::kSingleByte, true},
                      CharsetCase{"8859/15", "8859/15", CharsetKind::kSingleByte, true},
                      CharsetCase{"UNICODE UTF-8", "UNICODE UTF-8", CharsetKind::kUtf8, true},
                      CharsetCase{"UNICODE", "UNICODE", CharsetKind::kUtf8, true},
                      CharsetCase{"GB 18030-2000", "GB 18030-2000", CharsetKind::kMultiByte, true},
                      CharsetCase{"BIG-5", "BIG-5", CharsetKind::kMultiByte, true},
                      CharsetCase{"KS X 1001", "KS X 1001", CharsetKind::kMultiByte, true},
                      CharsetCase{"UNICODE UTF-16", "UNICODE UTF-16", CharsetKind::kMultiByte, false},
                      CharsetCase{"UNICODE UTF-32", "UNICODE UTF-32", CharsetKind::kMultiByte, false},
                      CharsetCase{"ISO IR87", "ISO IR87", CharsetKind::kMultiByte, false},
                      // Aliases, case and surrounding spaces ignored.
                      CharsetCase{"  unicode utf-8 ", "UNICODE UTF-8", CharsetKind::kUtf8, true},
                      CharsetCase{"utf-8", "UTF-8", CharsetKind::kUtf8, true},
                      CharsetCase{"gbk", "GBK", CharsetKind::kMultiByte, true},
                      CharsetCase{"CP936", "CP936", CharsetKind::kMultiByte, true},
                      CharsetCase{"GB2312", "GB2312", CharsetKind::kMultiByte, true},
                      CharsetCase{"ISO8859_1", "ISO8859_1", CharsetKind::kSingleByte, true}),
    [](const ::testing::TestParamInfo<CharsetCase>& param_info) {
      std::string n;
      for (char ch : std::string(param_info.param.lookup)) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n + "_" + std::to_string(param_info.index);
    });

TEST(Charset, UnknownNamesAreNotGuessed) {
  EXPECT_FALSE(find_charset("CAN"));
  EXPECT_FALSE(find_charset("wrong"));
  EXPECT_FALSE(find_charset(""));
  EXPECT_FALSE(find_charset("GB18030-2005"));
}

TEST(Charset, Gb2312IsDecodedAsGbkAndMultiByteSetsAreNotRawDelimiterSafe) {
  EXPECT_EQ(charset("GB2312").iconv_name, "GBK");
  EXPECT_FALSE(charset("GBK").raw_delimiters_safe());
  EXPECT_FALSE(charset("GB 18030-2000").raw_delimiters_safe());
  EXPECT_TRUE(charset("8859/1").raw_delimiters_safe());
  EXPECT_TRUE(charset("UNICODE UTF-8").raw_delimiters_safe());
}

TEST(Charset, DefaultWithoutMsh18IsUtf8) {
  Charset d = default_charset();
  EXPECT_EQ(d.kind, CharsetKind::kUtf8);
  EXPECT_TRUE(d.supported);
}

// --- find_invalid_utf8, decode_to_utf8, encode_from_utf8 --------------------------------------

TEST(Charset, FindsTheFirstByteThatBreaksUtf8) {
  EXPECT_EQ(find_invalid_utf8("PID|1||王芳"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98\x80"), std::string_view::npos);  // U+1F600
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);                            // overlong '/'
  EXPECT_EQ(find_invalid_utf8("ab\xE0\x80\xAF"), 2u);                        // overlong
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);                          // surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);                      // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xE5\xBC"), 3u);                           // truncated
  EXPECT_EQ(find_invalid_utf8("abcdefghijk\xFF"), 11u);                      // past the 8-byte fast path
  EXPECT_EQ(find_invalid_utf8("\xE5\xBC\xA0\x7C"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("\xE5\x7C\xA0"), 0u);  // a delimiter where a continuation byte belongs
}

TEST(Charset, DecodesAndEncodesGbkGb18030AndBig5WithIconv) {
  const std::string text = "王億 區 觺 乗";
  std::string gbk = encode_as(text, "GBK");
  EXPECT_EQ(gbk, "\xCD\xF5\x83\x7C \x85\x5E \xD3\x7E \x81\x5C");
  auto back = decode_to_utf8(gbk, charset("GBK"), InvalidBytes::kError);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, text);

  // GB 18030 four-byte sequences hold ASCII digits.
  std::string gb = encode_as("㐀😀", "GB 18030-2000");
  EXPECT_EQ(gb, "\x81\x39\xEE\x39\x94\x39\xFC\x36");
  auto gb_back = decode_to_utf8(gb, charset("GB 18030-2000"), InvalidBytes::kError);
  ASSERT_TRUE(gb_back);
  EXPECT_EQ(*gb_back, "㐀😀");

  EXPECT_EQ(encode_as("許", "BIG-5"), "\xB3\x5C");
}

TEST(Charset, DecodingReportsTheOffsetOfTheFirstInvalidByte) {
  auto bad = decode_to_utf8("ab\xCD\xF5\xFF", charset("GBK"), InvalidBytes::kError);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().offset, 4u);
  EXPECT_FALSE(bad.error().reason.empty());
  auto truncated = decode_to_utf8("ab\xCD", charset("GBK"), InvalidBytes::kError);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().offset, 2u);
  auto ascii = decode_to_utf8("ab\xE9", charset("ASCII"), InvalidBytes::kError);
  ASSERT_FALSE(ascii);
  EXPECT_EQ(ascii.error().offset, 2u);
  auto utf8 = decode_to_utf8("ab\xE9z", charset("UNICODE UTF-8"), InvalidBytes::kError);
  ASSERT_FALSE(utf8);
  EXPECT_EQ(utf8.error().offset, 2u);
}

TEST(Charset, ReplacementModeTurnsEachInvalidByteIntoUFFFD) {
  auto gbk = decode_to_utf8("\xCD\xF5\xFF\xC0\xEE", charset("GBK"), InvalidBytes::kReplace);
  ASSERT_TRUE(gbk);
  EXPECT_EQ(*gbk, "王" + std::string(kReplacementChar) + "李");
  auto utf8 = decode_to_utf8("a\xFF" "b", charset("UTF-8"), InvalidBytes::kReplace);
  ASSERT_TRUE(utf8);
  EXPECT_EQ(*utf8, "a" + std::string(kReplacementChar) + "b");
  auto ascii = decode_to_utf8("a\xE9", charset("ASCII"), InvalidBytes::kReplace);
  ASSERT_TRUE(ascii);
  EXPECT_EQ(*ascii, "a" + std::string(kReplacementChar));
}

TEST(Charset, EncodingRefusesCharactersTheTargetCannotHold) {
  auto ascii = encode_from_utf8("Zoë", charset("ASCII"));
  ASSERT_FALSE(ascii);
  EXPECT_EQ(ascii.error().offset, 2u);
  EXPECT_FALSE(encode_from_utf8("😀", charset("GBK")));
  EXPECT_FALSE(encode_from_utf8("abc", charset("UNICODE UTF-16")));
  EXPECT_FALSE(decode_to_utf8("abc", charset("UNICODE UTF-16"), InvalidBytes::kReplace));
}

// --- MSH-18 and the parser ----------------------------------------------------------------------

TEST(Charset, Msh18AsciiAcceptsSevenBitTextAndLocatesAnyHighByte) {
  const std::string ok = join({"MSH|^~\\&|LAB|H0001|MEDGW|CRM|20240511090000||ORU^R01|A-0001|P|2.5|||||USA|ASCII",
                               "PID|1||P1^^^BLH^MR||Smith^John"});
  HL7_PARSE(m, ok);
  EXPECT_EQ(m->charset().name, "ASCII");
  EXPECT_EQ(m->charset().kind, CharsetKind::kAscii);
  EXPECT_FALSE(m->transcoded());

  const std::string bad = join({"MSH|^~\\&|LAB|H0001|MEDGW|CRM|20240511090000||ORU^R01|A-0002|P|2.5|||||USA|ASCII",
                                "PID|1||P1^^^BLH^MR||Ren\xE9^John"});
  ParseError e = parse_error_of(bad);
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.offset, bad.find('\xE9'));
  EXPECT_EQ(e.segment, "PID");
  EXPECT_EQ(e.segment_index, 2u);
  EXPECT_EQ(e.field, 5u);
  EXPECT_NE(e.message.find("0xE9"), std::string::npos) << e.message;
}

TEST(Charset, Msh18Latin1BytesBecomeUtf8) {
  const std::string input = join({"MSH|^~\\&|LAB|Klinik|MEDGW|CRM|20240511090000||ADT^A04|L-0001|P|2.5|||||DEU|8859/1",
                                  "PID|1||P1^^^H^MR||M\xFCller^J\xFCrgen||||||Stra\xDF" "e 1^^K\xF6ln"});
  HL7_PARSE(m, input);
  EXPECT_EQ(m->charset().name, "8859/1");
  EXPECT_TRUE(m->transcoded());
  Segment pid = *m->find("PID");
  EXPECT_EQ(pid.field(5).component(1).value(), "Müller");
  EXPECT_EQ(pid.field(5).component(2).value(), "Jürgen");
  EXPECT_EQ(pid.field(11).component(1).value(), "Straße 1");
  EXPECT_EQ(pid.field(11).component(3).value(), "Köln");
}

TEST(Charset, Msh18Latin9HasTheEuroSign) {
  const std::string input = join({"MSH|^~\\&|FIN|Klinik|MEDGW|CRM|20240511090000||DFT^P03|L-0002|P|2.5|||||DEU|8859/15",
                                  "NTE|1||Zuzahlung 10 \xA4"});
  HL7_PARSE(m, input);
  EXPECT_EQ(m->find("NTE")->field(3).value(), "Zuzahlung 10 €");
}

TEST(Charset, Msh18UnicodeUtf8IsReadInPlace) {
  const std::string input = test::read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->charset().name, "UNICODE UTF-8");
  EXPECT_FALSE(m->transcoded());
  EXPECT_EQ(m->text().data(), input.data());
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "王");
}

TEST(Charset, Msh18UnicodeIsReadAsUtf8) {
  const std::string input = join({"MSH|^~\\&|BC-5000|Mindray|MEDGW|CRM|20240511090000||ORU^R01|U-0001|P|2.3.1|||||CHN|UNICODE",
                                  "PID|1||P1^^^BLH^MR||王^芳"});
  HL7_PARSE(m, input);
  EXPECT_EQ(m->charset().kind, CharsetKind::kUtf8);
  EXPECT_EQ(m->find("PID")->field(5).component(2).value(), "芳");
}

TEST(Charset, InvalidUtf8IsLocatedBySegmentAndField) {
  const std::string input = "\xEF\xBB\xBF" +
                            join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240511090000||ORU^R01|U-0002|P|2.5.1|||||CHN|UNICODE UTF-8",
                                  "PID|1||P1^^^BLH^MR||王^芳", "OBX|1|NM|GLU^血糖^L||5.6|mmol/L",
                                  "OBX|2|ST|NOTE^备注^L||\xE8\xA1|"});
  ParseError e = parse_error_of(input);
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.offset, input.find("\xE8\xA1|"));  // an offset in the input, BOM included
  EXPECT_EQ(e.segment, "OBX");
  EXPECT_EQ(e.segment_index, 4u);
  EXPECT_EQ(e.field, 5u);
}

TEST(Charset, InvalidUtf8InTheHeaderCountsMsh1) {
  const std::string input = join({"MSH|^~\\&|LIS|\xFFH|MEDGW|CRM|20240511090000||ORU^R01|U-0003|P|2.5.1"});
  ParseError e = parse_error_of(input);
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.segment, "MSH");
  EXPECT_EQ(e.field, 4u);
  EXPECT_EQ(e.offset, 13u);
}

TEST(Charset, InvalidUtf8CanBeReplacedWhenConfigured) {
  const std::string input = join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240511090000||ORU^R01|U-0004|P|2.5.1",
                                  "PID|1||P1^^^BLH^MR||\xCD\xF5^芳"});
  ParseOptions o;
  o.invalid_bytes = InvalidBytes::kReplace;
  HL7_PARSE(m, input, o);
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), std::string(kReplacementChar) + std::string(kReplacementChar));
  EXPECT_EQ(m->find("PID")->field(5).component(2).value(), "芳");
}

// The GBK registration a Chinese HIS sends without MSH-18. 億 (83 7C), 瑋 (AC 7C) end in '|',
// 區 (85 5E) in '^', 觺 (D3 7E) in '~' and 乗 (81 5C) in '\'.
std::string gbk_registration() {
  return encode_as(join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04^ADT_A01|GBK-0001|P|2.4",
                         "PID|1||P0099001^^^BLH^MR~440300198001011234^^^SFZH^NI||王億^瑋||19800101|M|||"
                         "香港九龍區彌敦道1號^^香港^^999077^CHN^H",
                         "NTE|1||觺乗 備註|L"}),
                   "GBK");
}

TEST(Charset, GbkTestMessageReallyHoldsDelimiterTrailBytes) {
  const std::string bytes = gbk_registration();
  EXPECT_NE(bytes.find("\x83\x7C"), std::string::npos);  // 億
  EXPECT_NE(bytes.find("\xAC\x7C"), std::string::npos);  // 瑋
  EXPECT_NE(bytes.find("\x85\x5E"), std::string::npos);  // 區
  EXPECT_NE(bytes.find("\xD3\x7E"), std::string::npos);  // 觺
  EXPECT_NE(bytes.find("\x81\x5C"), std::string::npos);  // 乗
}

TEST(Charset, GbkDefaultSplitsOnCharactersNotOnTrailBytes) {
  const std::string bytes = gbk_registration();
  HL7_PARSE(m, bytes, with_default("GBK"));
  EXPECT_EQ(m->charset().name, "GBK");
  EXPECT_TRUE(m->transcoded());
  Segment pid = *m->find("PID");
  EXPECT_EQ(pid.field_count(), 11u);
  Field name = pid.field(5);
  EXPECT_EQ(name.repetition_count(), 1u);
  EXPECT_EQ(name.repetition(1).component_count(), 2u);
  EXPECT_EQ(name.component(1).value(), "王億");
  EXPECT_EQ(name.component(2).value(), "瑋");
  EXPECT_EQ(pid.field(7).raw(), "19800101");
  EXPECT_EQ(pid.field(8).raw(), "M");
  EXPECT_EQ(pid.field(11).component(1).value(), "香港九龍區彌敦道1號");
  EXPECT_EQ(pid.field(11).component(3).value(), "香港");
  EXPECT_EQ(pid.field(11).component(7).value(), "H");
  Segment nte = *m->find("NTE");
  EXPECT_EQ(nte.field_count(), 4u);
  EXPECT_EQ(nte.field(3).repetition_count(), 1u);
  EXPECT_EQ(nte.field(3).value(), "觺乗 備註");
  EXPECT_EQ(nte.field(4).raw(), "L");
}

TEST(Charset, Gb18030DeclaredInMsh18IsDecodedBeforeSplitting) {
  const std::string bytes =
      encode_as(join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240511090000||ORU^R01^ORU_R01|GB-0001|P|2.5.1|||||CHN|GB 18030-2000",
                      "PID|1||P0099001^^^BLH^MR||王億^瑋", "OBX|1|ST|NOTE^备注^L||罕见字㐀 表情😀 區~觺|||N"}),
                "GB 18030-2000");
  HL7_PARSE(m, bytes);
  EXPECT_EQ(m->charset().name, "GB 18030-2000");
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "王億");
  Segment obx = *m->find("OBX");
  EXPECT_EQ(obx.field(5).repetition_count(), 2u);
  EXPECT_EQ(obx.field(5).repetition(1).value(), "罕见字㐀 表情😀 區");
  EXPECT_EQ(obx.field(5).repetition(2).value(), "觺");
  EXPECT_EQ(obx.field(8).raw(), "N");
}

TEST(Charset, Big5DeclaredInMsh18IsDecodedBeforeSplitting) {
  // 許 is B3 5C and 功 A5 5C in Big5: the trail byte is the escape character.
  const std::string bytes = encode_as(join({"MSH|^~\\&|HIS|TW01|MEDGW|CRM|20240511090000||ADT^A04|B5-0001|P|2.5|||||TWN|BIG-5",
                                            "PID|1||T123^^^BLH^MR||許^功|"}),
                                      "BIG-5");
  HL7_PARSE(m, bytes);
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "許");
  EXPECT_EQ(m->find("PID")->field(5).component(2).value(), "功");
}

TEST(Charset, GbkDefaultReadsAChineseHeader) {
  const std::string bytes = encode_as(join({"MSH|^~\\&|HIS|九龍區醫院|MEDGW|CRM|20240511090000||ADT^A04|GBK-0002|P|2.4",
                                            "PID|1||P1^^^BLH^MR||王億^瑋"}),
                                      "GBK");
  HL7_PARSE(m, bytes, with_default("GBK"));
  EXPECT_EQ(m->sending_facility(), "九龍區醫院");
  EXPECT_EQ(m->receiving_application(), "MEDGW");
  EXPECT_EQ(m->control_id(), "GBK-0002");
}

TEST(Charset, PureAsciiOnAGbkChannelNeedsNoCopy) {
  const std::string input = join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|GBK-0003|P|2.4",
                                  "PID|1||P1^^^BLH^MR||WANG^FANG"});
  HL7_PARSE(m, input, with_default("GBK"));
  EXPECT_EQ(m->charset().name, "GBK");
  EXPECT_FALSE(m->transcoded());
  EXPECT_EQ(m->find("PID")->field(5).component(2).value(), "FANG");
}

TEST(Charset, GbkWithoutAConfiguredDefaultIsRejectedNotCorrupted) {
  ParseError e = parse_error_of(gbk_registration());
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.segment, "PID");
}

TEST(Charset, Msh18OverridesTheConfiguredDefault) {
  // A UTF-8 sender on a channel configured for GBK, declaring its charset.
  const std::string input = join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|U8-0001|P|2.5|||||CHN|UNICODE UTF-8",
                                  "PID|1||P1^^^BLH^MR||王^芳"});
  HL7_PARSE(m, input, with_default("GBK"));
  EXPECT_EQ(m->charset().name, "UNICODE UTF-8");
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "王");
}

TEST(Charset, Msh18UnicodeUtf8IsHonouredOnAGbkChannelWhenTheHeaderHasChinese) {
  // MSH-4 holds a Chinese facility name in UTF-8. Read as GBK, the last byte of 张 (A0) and the
  // following '|' form one GBK character, so the header cannot be split on GBK-decoded text.
  const std::string input = join({"MSH|^~\\&|HIS|张|MEDGW|CRM|20240511090000||ADT^A04|U8-0002|P|2.5|||||CHN|UNICODE UTF-8",
                                  "PID|1||P1^^^BLH^MR||王^芳"});
  HL7_PARSE(m, input, with_default("GBK"));
  EXPECT_EQ(m->charset().name, "UNICODE UTF-8");
  EXPECT_EQ(m->sending_facility(), "张");
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "王");
}

TEST(Charset, Msh18Gb18030IsFoundWhenTheHeaderHoldsATrailByteDelimiter) {
  // No default configured; MSH-4 ends in 億 (83 7C): the raw header has one '|' too many.
  const std::string bytes =
      encode_as(join({"MSH|^~\\&|HIS|億|MEDGW|CRM|20240511090000||ADT^A04|GB-0002|P|2.5|||||CHN|GB 18030-2000",
                      "PID|1||P1^^^BLH^MR||王億^瑋"}),
                "GB 18030-2000");
  HL7_PARSE(m, bytes);
  EXPECT_EQ(m->charset().name, "GB 18030-2000");
  EXPECT_EQ(m->sending_facility(), "億");
  EXPECT_EQ(m->find("PID")->field(5).component(2).value(), "瑋");
}

TEST(Charset, InvalidGbkBytesAreLocated) {
  const std::string head = encode_as(join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|GBK-0004|P|2.4"}), "GBK");
  const std::string pid_start = encode_as("PID|1||P1^^^BLH^MR||李^娜||19880715|F|||人民路", "GBK");
  const std::string input = head + pid_start + "\xFF" + encode_as("1号^^北京市\r", "GBK");
  ParseError e = parse_error_of(input, with_default("GBK"));
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.offset, head.size() + pid_start.size());
  EXPECT_EQ(e.segment, "PID");
  EXPECT_EQ(e.segment_index, 2u);
  EXPECT_EQ(e.field, 11u);
  EXPECT_NE(e.message.find("0xFF"), std::string::npos) << e.message;
}

TEST(Charset, InvalidGbkBytesAreLocatedAfterTrailByteDelimiters) {
  // 億 and 瑋 in PID-5 each carry a 0x7C trail byte; the bad byte is still in PID-11.
  const std::string head = encode_as(join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|GBK-0005|P|2.4"}), "GBK");
  const std::string pid_start = encode_as("PID|1||P1^^^BLH^MR||王億^瑋||19800101|M|||人民路", "GBK");
  const std::string input = head + pid_start + "\xFF" + encode_as("1号^^北京市\r", "GBK");
  ParseError e = parse_error_of(input, with_default("GBK"));
  EXPECT_EQ(e.code, ParseErrorCode::kInvalidEncoding);
  EXPECT_EQ(e.offset, head.size() + pid_start.size());
  EXPECT_EQ(e.segment, "PID");
  EXPECT_EQ(e.field, 11u) << e.describe();
}

TEST(Charset, ErrorOffsetsInTranscodedMessagesAreInputOffsets) {
  // The error is found after decoding; its offset must still point into the bytes received.
  const std::string head = encode_as(join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|GBK-0006|P|2.4",
                                           "PID|1||P1^^^BLH^MR||王億^瑋||19800101|M|||香港九龍區彌敦道1號"}),
                                     "GBK");
  const std::string input = head + "pv1|1|I\r";
  ParseError e = parse_error_of(input, with_default("GBK"));
  EXPECT_EQ(e.code, ParseErrorCode::kBadSegmentId);
  EXPECT_EQ(e.segment_index, 3u);
  EXPECT_EQ(e.offset, head.size()) << e.describe();
}

TEST(Charset, InvalidGbkBytesCanBeReplacedWhenConfigured) {
  const std::string input = encode_as("MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|GBK-0007|P|2.4\rPID|1||P1||王億^", "GBK") +
                            "\xFF" + encode_as("瑋|19800101\r", "GBK");
  HL7_PARSE(m, input, with_default("GBK", InvalidBytes::kReplace));
  Segment pid = *m->find("PID");
  EXPECT_EQ(pid.field(5).component(1).value(), "王億");
  EXPECT_EQ(pid.field(5).component(2).value(), std::string(kReplacementChar) + "瑋");
  EXPECT_EQ(pid.field(6).raw(), "19800101");
}

TEST(Charset, UnknownMsh18WithNonAsciiContentIsAnError) {
  const std::string input = join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|X-0001|P|2.4|||||CHN|CAN",
                                  "PID|1||P1^^^BLH^MR||王^芳"});
  ParseError e = parse_error_of(input);
  EXPECT_EQ(e.code, ParseErrorCode::kUnknownCharset);
  EXPECT_EQ(e.segment, "MSH");
  EXPECT_EQ(e.field, 18u);
  EXPECT_EQ(hl7_error_code(e.code), 103);
}

TEST(Charset, UnknownMsh18WithAsciiContentParses) {
  const std::string input = join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|X-0002|P|2.4|||||CHN|wrong",
                                  "PID|1||P1^^^BLH^MR||WANG^FANG"});
  HL7_PARSE(m, input);
  EXPECT_EQ(m->charset().kind, CharsetKind::kAscii);
  EXPECT_EQ(m->find("PID")->field(5).component(1).value(), "WANG");
}

TEST(Charset, Utf16AndIso2022AreUnsupported) {
  for (const char* name : {"UNICODE UTF-16", "UNICODE UTF-32", "ISO IR87"}) {
    const std::string input =
        "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240511090000||ADT^A04|X-0003|P|2.5|||||JPN|" + std::string(name) + "\rPID|1\r";
    ParseError e = parse_error_of(input);
    EXPECT_EQ(e.code, ParseErrorCode::kUnsupportedCharset) << name;
    EXPECT_EQ(e.segment, "MSH") << name;
    EXPECT_EQ(e.field, 18u) << name;
  }
}

}  // namespace
}  // namespace medgw::hl7v2

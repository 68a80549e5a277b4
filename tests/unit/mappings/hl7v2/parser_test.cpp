// ER7 parsing (message.hpp, views.hpp, parse_error.hpp): delimiters from MSH-1/MSH-2, segment
// terminators, byte-order mark, blank lines, empty versus null, repetitions, components,
// sub-components, Z-segments, located errors and limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::join;
using test::parse_error_of;
using test::read_data;

// A small ADT^A04 registration used where the content does not matter.
const std::string kRegistration = join({
    "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04^ADT_A01|REG-0001|P|2.5",
    "EVN|A04|20240510080000",
    "PID|1||P0012345^^^BLH^MR||王^芳||19900307|F",
    "PV1|1|O|NK^内科门诊",
});

TEST(Parser, ReadsTheHeaderOfAnAdtFromAChineseHis) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->segment_count(), 7u);
  EXPECT_EQ(m->sending_application(), "WINNING");
  EXPECT_EQ(m->sending_facility(), "HIS");
  EXPECT_EQ(m->receiving_application(), "MEDGW");
  EXPECT_EQ(m->receiving_facility(), "CRM");
  EXPECT_EQ(m->message_code(), "ADT");
  EXPECT_EQ(m->trigger_event(), "A01");
  EXPECT_EQ(m->message_structure(), "ADT_A01");
  EXPECT_EQ(m->control_id(), "HIS20240501000123");
  EXPECT_EQ(m->processing_id(), "P");
  EXPECT_EQ(m->version(), "2.4");
  EXPECT_EQ(m->delimiters(), kDefaultDelimiters);
  // No MSH-18 and no configured default: UTF-8, read in place without a copy.
  EXPECT_EQ(m->charset().kind, CharsetKind::kUtf8);
  EXPECT_FALSE(m->transcoded());
  EXPECT_EQ(m->text().data(), input.data());
}

TEST(Parser, NumbersMshFieldsFromTheFieldSeparator) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  Segment msh = m->segment(0);
  EXPECT_EQ(msh.name(), "MSH");
  EXPECT_EQ(msh.field(1).raw(), "|");
  EXPECT_EQ(msh.field(2).raw(), "^~\\&");
  // MSH-2 holds the delimiters themselves and is never split.
  EXPECT_EQ(msh.field(2).repetition_count(), 1u);
  EXPECT_EQ(msh.field(2).component(1).raw(), "^~\\&");
  EXPECT_EQ(msh.field(3).raw(), "WINNING");
  EXPECT_EQ(msh.field(9).raw(), "ADT^A01^ADT_A01");
  EXPECT_EQ(msh.field(17).raw(), "CHN");
  EXPECT_EQ(msh.field_count(), 17u);
  EXPECT_TRUE(msh.field(18).empty());
}

TEST(Parser, KeepsSegmentsInOrderIncludingZSegmentsAndUnknownOnes) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < m->segment_count(); ++i) names.emplace_back(m->segment(i).name());
  EXPECT_EQ(names, (std::vector<std::string>{"MSH", "EVN", "PID", "NK1", "PV1", "AL1", "ZPI"}));
  auto zpi = m->find("ZPI");
  ASSERT_TRUE(zpi);
  EXPECT_EQ(zpi->field(2).component(2).value(), "贵宾");
  EXPECT_EQ(zpi->field(3).component(1).subcomponent(2), "1234567890");

  const std::string unknown = join({
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0002|P|2.5",
      "QQQ|kept|as|is",
      "ZU1|1|local",
      "PID|1||P1^^^BLH^MR",
  });
  HL7_PARSE(u, unknown);
  ASSERT_EQ(u->segment_count(), 4u);
  EXPECT_EQ(u->segment(1).name(), "QQQ");
  EXPECT_EQ(u->segment(1).field(3).raw(), "is");
  EXPECT_EQ(u->segment(2).name(), "ZU1");
  EXPECT_EQ(u->segment(2).field(2).raw(), "local");
  EXPECT_EQ(u->segment(3).raw(), "PID|1||P1^^^BLH^MR");
}

TEST(Parser, ReadsUnusualDelimitersDeclaredInMsh1AndMsh2) {
  const std::string input = read_data("adt_a08_custom_delimiters.hl7");
  HL7_PARSE(m, input);
  const Delimiters& d = m->delimiters();
  EXPECT_EQ(d.field, '#');
  EXPECT_EQ(d.component, '$');
  EXPECT_EQ(d.repetition, '%');
  EXPECT_EQ(d.escape, '*');
  EXPECT_EQ(d.subcomponent, '!');
  EXPECT_EQ(d.truncation, 0);
  EXPECT_EQ(m->segment(0).field(1).raw(), "#");
  EXPECT_EQ(m->segment(0).field(2).raw(), "$%*!");
  EXPECT_EQ(m->message_code(), "ADT");
  EXPECT_EQ(m->trigger_event(), "A08");
  EXPECT_EQ(m->control_id(), "HIS-A08-0001");

  auto pid = m->find("PID");
  ASSERT_TRUE(pid);
  Field ids = pid->field(3);
  ASSERT_EQ(ids.repetition_count(), 2u);
  EXPECT_EQ(ids.repetition(2).component(1).raw(), "110101199003071234");
  EXPECT_EQ(ids.repetition(2).component(4).raw(), "SFZH");
  EXPECT_EQ(pid->field(5).component(2).value(), "芳");
  Component street = pid->field(11).component(1);
  EXPECT_EQ(street.subcomponent_count(), 3u);
  EXPECT_EQ(street.subcomponent(2), "人民路");
  // '*' is the escape character here: *F* *S* *T* stand for this message's '#', '$' and '!'.
  EXPECT_EQ(m->find("NTE")->field(3).value(), "费用 100#200 $ 备注!");
  // The default delimiters are ordinary text in this message.
  const std::string pipes = join({"MSH#$%*!#A#B#C#D#20240101##ADT$A01#X1#P#2.5", "NTE#1##a|b^c~d\\e&f"});
  HL7_PARSE(p, pipes);
  EXPECT_EQ(p->find("NTE")->field(3).value(), "a|b^c~d\\e&f");
  EXPECT_EQ(p->find("NTE")->field(3).repetition(1).component_count(), 1u);
}


TEST(Parser, ReadsTheV27TruncationCharacterAsAFifthEncodingCharacter) {
  const std::string input = read_data("oru_truncation_char.hl7");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->delimiters().truncation, '#');
  EXPECT_EQ(m->delimiters().encoding_characters(), "^~\\&#");
  EXPECT_EQ(m->segment(0).field(2).raw(), "^~\\&#");
  // The fields after MSH-2 are where they belong, not shifted by the fifth character.
  EXPECT_EQ(m->sending_application(), "LAB");
  EXPECT_EQ(m->control_id(), "T1");
  EXPECT_EQ(m->version(), "2.7");
  EXPECT_EQ(m->accept_ack_type(), "AL");
  EXPECT_EQ(m->application_ack_type(), "NE");
  // Without a truncation character MSH-2 has four characters.
  const std::string four = join({"MSH|^~\\&|LAB|H|MEDGW|CRM|20240501120000||ORU^R01|T2|P|2.5"});
  HL7_PARSE(f, four);
  EXPECT_EQ(f->delimiters().truncation, 0);
  EXPECT_EQ(f->delimiters().encoding_characters(), "^~\\&");
}

struct BadHeaderCase {
  const char* name;
  std::string input;
  std::size_t field;
  std::size_t offset;
};
void PrintTo(const BadHeaderCase& c, std::ostream* os) { *os << c.name; }

class BadDelimiters : public ::testing::TestWithParam<BadHeaderCase> {};

TEST_P(BadDelimiters, AreRejectedWithALocatedError) {
  const BadHeaderCase& c = GetParam();
  ParseError e = parse_error_of(c.input);
  EXPECT_EQ(e.code, ParseErrorCode::kBadDelimiters) << e.describe();
  EXPECT_EQ(e.segment, "MSH");
  EXPECT_EQ(e.segment_index, 1u);
  EXPECT_EQ(e.field, c.field) << e.describe();
  EXPECT_EQ(e.offset, c.offset) << e.describe();
  EXPECT_FALSE(e.message.empty());
  EXPECT_NE(e.describe().find("bad-delimiters at byte " + std::to_string(c.offset)), std::string::npos) << e.describe();
}

const std::string kRest = "|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0003|P|2.5\rPID|1||P1^^^BLH^MR\r";

INSTANTIATE_TEST_SUITE_P(
    Parser, BadDelimiters,
    ::testing::Values(
        BadHeaderCase{"letter_as_field_separator", "MSHA^~\\&AHISAH0001\r", 1, 3},
        BadHeaderCase{"space_as_field_separator", "MSH ^~\\& HIS\r", 1, 3},
        BadHeaderCase{"digit_as_field_separator", "MSH1^~\\&1HIS\r", 1, 3},
        BadHeaderCase{"cr_as_field_separator", "MSH\rPID|1\r", 1, 3},
        BadHeaderCase{"three_encoding_characters", "MSH|^~\\" + kRest, 2, 4},
        BadHeaderCase{"six_encoding_characters", "MSH|^~\\&#!" + kRest, 2, 4},
        BadHeaderCase{"no_encoding_characters", "MSH|" + kRest, 2, 4},
        BadHeaderCase{"repeated_delimiter", "MSH|^^\\&" + kRest, 2, 4},
        BadHeaderCase{"component_equals_field_separator_twice", "MSH|^~\\&^" + kRest, 2, 4},
        BadHeaderCase{"letter_in_encoding_characters", "MSH|^~\\A" + kRest, 2, 4},
        BadHeaderCase{"space_in_encoding_characters", "MSH|^~ &" + kRest, 2, 4},
        BadHeaderCase{"bom_shifts_the_offset", "\xEF\xBB\xBFMSHA^~\\&AHIS\r", 1, 6},
        BadHeaderCase{"bom_shifts_the_offset_of_msh2", "\xEF\xBB\xBFMSH|^~" + kRest, 2, 7}),
    [](const ::testing::TestParamInfo<BadHeaderCase>& param_info) { return std::string(param_info.param.name); });

TEST(Parser, ReadDelimitersReportsOffsetsRelativeToTheHeaderLine) {
  auto d = read_delimiters("BHS|^~\\&|LIS");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, kDefaultDelimiters);
  auto bad = read_delimiters("FHS|^~|LIS");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().segment, "FHS");
  EXPECT_EQ(bad.error().field, 2u);
  EXPECT_EQ(bad.error().offset, 4u);
}

// The same registration with each kind of segment terminator.
TEST(Parser, AcceptsCrLfCrlfAndMixedTerminators) {
  HL7_PARSE(reference, kRegistration);
  const std::vector<std::string> variants = {
      join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04^ADT_A01|REG-0001|P|2.5",
            "EVN|A04|20240510080000", "PID|1||P0012345^^^BLH^MR||王^芳||19900307|F", "PV1|1|O|NK^内科门诊"},
           "\n"),
      join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04^ADT_A01|REG-0001|P|2.5",
            "EVN|A04|20240510080000", "PID|1||P0012345^^^BLH^MR||王^芳||19900307|F", "PV1|1|O|NK^内科门诊"},
           "\r\n"),
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04^ADT_A01|REG-0001|P|2.5\r\n"
      "EVN|A04|20240510080000\n"
      "PID|1||P0012345^^^BLH^MR||王^芳||19900307|F\r"
      "PV1|1|O|NK^内科门诊",  // and no terminator after the last segment
  };
  for (const std::string& input : variants) {
    HL7_PARSE(m, input);
    ASSERT_EQ(m->segment_count(), reference->segment_count());
    for (std::size_t i = 0; i < m->segment_count(); ++i) {
      EXPECT_EQ(m->segment(i).raw(), reference->segment(i).raw());
      EXPECT_EQ(m->segment(i).field_count(), reference->segment(i).field_count());
    }
    EXPECT_EQ(m->find("PV1")->field(3).component(2).value(), "内科门诊");
    EXPECT_EQ(m->version(), "2.5");
  }
}

TEST(Parser, SkipsALeadingByteOrderMarkAndBlankLines) {
  const std::string input = "\xEF\xBB\xBF\r\n\r\n" +
                            join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04^ADT_A01|REG-0001|P|2.5",
                                  "", "EVN|A04|20240510080000", "   ", "PID|1||P0012345^^^BLH^MR||王^芳||19900307|F",
                                  "\t", "PV1|1|O|NK^内科门诊", ""},
                                 "\r\n");
  HL7_PARSE(m, input);
  EXPECT_EQ(m->segment_count(), 4u);
  EXPECT_EQ(m->text().substr(0, 3), "MSH");
  EXPECT_EQ(m->segment(0).name(), "MSH");
  EXPECT_EQ(m->segment(2).name(), "PID");
  EXPECT_EQ(m->segment(3).name(), "PV1");
  EXPECT_EQ(m->control_id(), "REG-0001");
}

TEST(Parser, SkipsBlankLinesHoldingOnlySpacesBeforeTheHeader) {
  const std::string input = "  \r\n\t\r\n" + kRegistration;
  HL7_PARSE(m, input);
  EXPECT_EQ(m->segment_count(), 4u);
  EXPECT_EQ(m->control_id(), "REG-0001");
}

TEST(Parser, TellsAnEmptyFieldFromAnExplicitNull) {
  const std::string input = join({
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A08^ADT_A01|UPD-0001|P|2.5",
      "PID|1||P0012345^^^BLH^MR||王^芳|\"\"|19900307||||\"\"~人民路1号^^北京市|\"\"",
  });
  HL7_PARSE(m, input);
  Segment pid = *m->find("PID");
  // PID-6 "" clears the mother's maiden name at the receiver; PID-8 || leaves the sex as it was.
  EXPECT_TRUE(pid.field(6).is_null());
  EXPECT_FALSE(pid.field(6).empty());
  EXPECT_EQ(pid.field(6).raw(), "\"\"");
  EXPECT_TRUE(pid.field(8).empty());
  EXPECT_FALSE(pid.field(8).is_null());
  EXPECT_TRUE(pid.field(12).is_null());
  // A null repetition is told apart from a valued one.
  EXPECT_TRUE(pid.field(11).repetition(1).is_null());
  EXPECT_FALSE(pid.field(11).repetition(2).is_null());
  EXPECT_FALSE(pid.field(11).is_null());
  // Fields past the end are absent, not null.
  EXPECT_TRUE(pid.field(30).empty());
  EXPECT_FALSE(pid.field(30).is_null());
}

TEST(Parser, KeepsEmptyRepetitionsInPosition) {
  const std::string input = join({
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0004|P|2.5",
      "PID|1||P0012345^^^BLH^MR~~110101199003071234^^^SFZH^NI||王^芳",
  });
  HL7_PARSE(m, input);
  Field ids = m->find("PID")->field(3);
  ASSERT_EQ(ids.repetition_count(), 3u);
  EXPECT_EQ(ids.repetition(1).component(4).raw(), "BLH");
  EXPECT_TRUE(ids.repetition(2).empty());
  EXPECT_EQ(ids.repetition(3).component(4).raw(), "SFZH");
  EXPECT_TRUE(ids.repetition(4).empty());

  const std::string lab = read_data("oru_r01_lab.hl7");
  HL7_PARSE(l, lab);
  Field note = l->find("NTE")->field(3);
  ASSERT_EQ(note.repetition_count(), 4u);
  EXPECT_EQ(note.repetition(1).value(), "标本溶血 50^50 请复查");
  EXPECT_EQ(note.repetition(2).value(), "第二行");
  EXPECT_TRUE(note.repetition(3).empty());
  EXPECT_TRUE(note.repetition(4).empty());
  Segment zlr = *l->find("ZLR");
  EXPECT_EQ(zlr.field(2).repetition_count(), 3u);
  EXPECT_EQ(zlr.field(1).repetition(1).component_count(), 3u);
  EXPECT_EQ(zlr.field(3).component(1).subcomponent_count(), 2u);
}

TEST(Parser, SplitsComponentsAndSubComponents) {
  const std::string input = read_data("adt_a01_his.hl7");
  HL7_PARSE(m, input);
  Segment pid = *m->find("PID");
  Field ids = pid.field(3);
  ASSERT_EQ(ids.repetition_count(), 4u);
  Repetition blh = ids.repetition(2);
  EXPECT_EQ(blh.component_count(), 4u);
  EXPECT_EQ(blh.component(1).raw(), "1600000030");
  EXPECT_TRUE(blh.component(2).empty());
  Component authority = blh.component(4);
  EXPECT_EQ(authority.raw(), "&BLH");
  EXPECT_EQ(authority.subcomponent_count(), 2u);
  EXPECT_TRUE(authority.subcomponent(1).empty());
  EXPECT_EQ(authority.subcomponent(2), "BLH");
  EXPECT_TRUE(authority.subcomponent(3).empty());
  EXPECT_EQ(ids.repetition(3).component(4).subvalue(2), "SFZH");
  EXPECT_EQ(pid.field(5).component(1).value(), "张");
  EXPECT_EQ(pid.field(5).component(7).value(), "L");
  EXPECT_EQ(pid.field(22).component(2).value(), "汉族");
  EXPECT_EQ(pid.field(28).component(2).value(), "中国");
  Segment pv1 = *m->find("PV1");
  EXPECT_EQ(pv1.field(3).component(8).value(), "外一科病区");
  EXPECT_TRUE(pv1.field(3).component(9).empty());
  EXPECT_EQ(pv1.field(20).repetition(2).value(), "普通病员");
}

TEST(Parser, FindsTheNthOccurrenceOfASegment) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  auto third = m->find("OBX", 3);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->field(1).raw(), "3");
  EXPECT_EQ(third->index(), 7u);
  EXPECT_EQ(m->find("OBX", 5)->field(2).raw(), "FT");
  EXPECT_FALSE(m->find("OBX", 6));
  EXPECT_FALSE(m->find("OBX", 0));
  EXPECT_FALSE(m->find("IN1"));
}

TEST(Parser, FindDoesNotReadPastAShortSegmentName) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  // A two-byte name in a buffer of exactly two bytes (no terminating NUL to hide an over-read).
  std::vector<char> two{'P', 'I'};
  EXPECT_FALSE(m->find(std::string_view(two.data(), two.size())));
  EXPECT_FALSE(m->find("PIDX"));
  EXPECT_FALSE(m->find(""));
}

TEST(Parser, SegmentsWithoutFieldsAreKept) {
  const std::string input = join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240510080000||ORU^R01|R-1|P|2.5", "DSC", "NTE|1"});
  HL7_PARSE(m, input);
  ASSERT_EQ(m->segment_count(), 3u);
  EXPECT_EQ(m->segment(1).name(), "DSC");
  EXPECT_EQ(m->segment(1).field_count(), 0u);
  EXPECT_TRUE(m->segment(1).field(1).empty());
  EXPECT_EQ(m->segment(2).field_count(), 1u);
}

TEST(Parser, RejectsASegmentWithoutAnIdAndSaysWhere) {
  const std::string head = "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0005|P|2.5\r"
                           "PID|1||P0012345^^^BLH^MR\r";
  for (const std::string bad : {"pv1|1|O", "PV|1|O", "PV1X|1", "P-1|1", "人民|1"}) {
    const std::string input = head + bad + "\r";
    ParseError e = parse_error_of(input);
    EXPECT_EQ(e.code, ParseErrorCode::kBadSegmentId) << bad;
    EXPECT_EQ(e.segment_index, 3u) << bad;
    EXPECT_EQ(e.offset, head.size()) << bad;
    EXPECT_NE(e.describe().find("bad-segment-id"), std::string::npos);
  }
}

TEST(Parser, RejectsASecondHeaderInsideOneMessage) {
  const std::string input = join({
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0006|P|2.5",
      "PID|1||P0012345^^^BLH^MR",
      "MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080001||ADT^A04|REG-0007|P|2.5",
  });
  ParseError e = parse_error_of(input);
  EXPECT_EQ(e.code, ParseErrorCode::kUnexpectedHeader);
  EXPECT_EQ(e.segment, "MSH");
  EXPECT_EQ(e.segment_index, 3u);
  EXPECT_EQ(e.offset, input.find("MSH", 1));

  const std::string trailer = join({"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240510080000||ADT^A04|REG-0008|P|2.5", "BTS|1"});
  EXPECT_EQ(parse_error_of(trailer).code, ParseErrorCode::kUnexpectedHeader);
}

TEST(Parser, RejectsInputThatIsNotAMessage) {
  EXPECT_EQ(parse_error_of("").code, ParseErrorCode::kEmptyInput);
  EXPECT_EQ(parse_error_of("\r\n\r\n").code, ParseErrorCode::kEmptyInput);
  EXPECT_EQ(parse_error_of("\xEF\xBB\xBF").code, ParseErrorCode::kEmptyInput);
  ParseError pid_first = parse_error_of("PID|1||P0012345^^^BLH^MR\r");
  EXPECT_EQ(pid_first.code, ParseErrorCode::kNoHeader);
  EXPECT_EQ(pid_first.offset, 0u);
  // A batch is not one message; the error says which reader to use.
  ParseError batch = parse_error_of(read_data("batch_lab_results.hl7"));
  EXPECT_EQ(batch.code, ParseErrorCode::kNoHeader);
  EXPECT_NE(batch.message.find("batch"), std::string::npos) << batch.message;
}

TEST(Parser, EnforcesTheMessageSizeLimit) {
  ParseOptions exact;
  exact.limits.max_message_bytes = kRegistration.size();
  HL7_PARSE(ok, kRegistration, exact);
  EXPECT_EQ(ok->segment_count(), 4u);

  ParseOptions smaller;
  smaller.limits.max_message_bytes = kRegistration.size() - 1;
  ParseError e = parse_error_of(kRegistration, smaller);
  EXPECT_EQ(e.code, ParseErrorCode::kTooLarge);
  EXPECT_NE(e.message.find(std::to_string(kRegistration.size())), std::string::npos) << e.message;
}

TEST(Parser, EnforcesTheSegmentCountLimit) {
  ParseOptions four;
  four.limits.max_segments = 4;
  HL7_PARSE(ok, kRegistration, four);
  ParseOptions three;
  three.limits.max_segments = 3;
  ParseError e = parse_error_of(kRegistration, three);
  EXPECT_EQ(e.code, ParseErrorCode::kTooManySegments);
  EXPECT_EQ(e.offset, kRegistration.find("PV1"));

  // The default limit turns a flood of segments into an error, not an exhausted server.
  std::string flood = "MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240510080000||ORU^R01|R-2|P|2.5\r";
  for (int i = 0; i < 50'001; ++i) flood += "NTE|1\r";
  EXPECT_EQ(parse_error_of(flood).code, ParseErrorCode::kTooManySegments);
}

TEST(Parser, ErrorsDescribeCodeOffsetSegmentAndFieldInOneSentence) {
  ParseError e;
  e.code = ParseErrorCode::kInvalidEncoding;
  e.segment = "PID";
  e.segment_index = 3;
  e.field = 5;
  e.offset = 812;
  e.message = "invalid byte sequence in GBK";
  EXPECT_EQ(e.describe(), "invalid-encoding at byte 812 (PID segment 3, field 5): invalid byte sequence in GBK");
  ParseError whole;
  whole.code = ParseErrorCode::kEmptyInput;
  whole.message = "no message: the input is empty";
  EXPECT_EQ(whole.describe(), "empty-input at byte 0: no message: the input is empty");
}

TEST(Parser, MapsParseErrorsToTable0357Codes) {
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kBadSegmentId), 100);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kBadBatch), 100);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kInvalidEncoding), 102);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kBadDelimiters), 102);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kUnknownCharset), 103);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kUnsupportedCharset), 103);
  EXPECT_EQ(hl7_error_code(ParseErrorCode::kTooLarge), 207);
  EXPECT_EQ(to_string(ParseErrorCode::kUnknownCharset), "unknown-charset");
  EXPECT_EQ(to_string(ParseErrorCode::kTooManySegments), "too-many-segments");
}

TEST(Parser, FieldViewsPointIntoTheInputWithoutCopying) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  std::string_view raw = m->find("OBX")->field(5).raw();
  EXPECT_EQ(raw, "132");
  EXPECT_GE(raw.data(), input.data());
  EXPECT_LE(raw.data() + raw.size(), input.data() + input.size());
}

}  // namespace
}  // namespace medgw::hl7v2

// The ACK builder (ack_builder.hpp): original and enhanced mode following MSH-15/MSH-16, the ACK's
// header (sender and receiver swapped, MSH-10 echoed in MSA-2, MSH-11/12/18 echoed, the original
// delimiters), ERR for v2.5+ and ERR-1 + MSA-3 for older senders, and salvaging a broken header.
#include "mappings/hl7v2/ack_builder.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/datetime.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::join;
using test::read_data;

AckOptions fixed() {
  AckOptions o;
  o.control_id = "MG-TEST-1";
  o.timestamp = "20240512103000+0800";
  return o;
}

AckHeader header(std::string accept, std::string application, std::string version = "2.5.1") {
  AckHeader h;
  h.sending_application = "LIS";
  h.sending_facility = "H0001";
  h.receiving_application = "MEDGW";
  h.receiving_facility = "CRM";
  h.trigger_event = "R01";
  h.control_id = "LIS-0001";
  h.processing_id = "P";
  h.version = std::move(version);
  h.accept_ack_type = std::move(accept);
  h.application_ack_type = std::move(application);
  return h;
}

// The ACK's text parsed back, so tests read it the way the sender will.
struct ParsedAck {
  std::string text;
  Expected<Message, ParseError> message;
  explicit ParsedAck(std::string t) : text(std::move(t)), message(Message::parse(text)) {}
  ParsedAck(const ParsedAck&) = delete;
  const Message& operator*() const { return *message; }
  const Message* operator->() const { return &*message; }
};

#define PARSE_ACK(var, ack)  \
  ParsedAck var((ack).text); \
  ASSERT_TRUE(var.message.has_value()) << var.message.error().describe() << "\n" << (ack).text

// --- mode and code ------------------------------------------------------------------------------

struct ModeCase {
  const char* name;
  const char* msh15;
  const char* msh16;
  AckOutcome outcome;
  bool send;
  const char* code;
};
void PrintTo(const ModeCase& c, std::ostream* os) {
  *os << c.name;
}

class AckModes : public ::testing::TestWithParam<ModeCase> {};

TEST_P(AckModes, FollowsMsh15AndMsh16) {
  const ModeCase& c = GetParam();
  std::vector<ErrorDetail> errors;
  if (c.outcome != AckOutcome::kAccepted) errors.push_back(ErrorDetail{});
  Ack ack = build_ack(header(c.msh15, c.msh16), c.outcome, errors, fixed());
  EXPECT_EQ(ack.send, c.send) << ack.reason;
  if (c.send) {
    EXPECT_EQ(ack.code, c.code);
    PARSE_ACK(parsed, ack);
    EXPECT_EQ(parsed->find("MSA")->field(1).raw(), c.code);
  } else {
    EXPECT_FALSE(ack.reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ack, AckModes,
    ::testing::Values(
        // Original mode: MSH-15 and MSH-16 both empty.
        ModeCase{"original_accepted", "", "", AckOutcome::kAccepted, true, "AA"},
        ModeCase{"original_content_error", "", "", AckOutcome::kContentError, true, "AE"},
        ModeCase{"original_rejected", "", "", AckOutcome::kRejected, true, "AR"},
        ModeCase{"original_temporary_failure", "", "", AckOutcome::kTemporaryFailure, true, "AR"},
        // Enhanced mode, accept acknowledgement per MSH-15.
        ModeCase{"al_accepted", "AL", "NE", AckOutcome::kAccepted, true, "CA"},
        ModeCase{"al_content_error", "AL", "NE", AckOutcome::kContentError, true, "CE"},
        ModeCase{"al_rejected", "AL", "NE", AckOutcome::kRejected, true, "CR"},
        ModeCase{"al_temporary_failure", "AL", "", AckOutcome::kTemporaryFailure, true, "CE"},
        ModeCase{"ne_accepted", "NE", "", AckOutcome::kAccepted, false, ""},
        ModeCase{"ne_rejected", "NE", "", AckOutcome::kRejected, false, ""},
        ModeCase{"er_accepted", "ER", "", AckOutcome::kAccepted, false, ""},
        ModeCase{"er_rejected", "ER", "", AckOutcome::kRejected, true, "CR"},
        ModeCase{"su_accepted", "SU", "", AckOutcome::kAccepted, true, "CA"},
        ModeCase{"su_content_error", "SU", "", AckOutcome::kContentError, false, ""},
        // Only MSH-16: an application acknowledgement right after the commit.
        ModeCase{"msh16_al_accepted", "", "AL", AckOutcome::kAccepted, true, "AA"},
        ModeCase{"msh16_al_content_error", "", "AL", AckOutcome::kContentError, true, "AE"},
        ModeCase{"msh16_al_temporary_failure", "", "AL", AckOutcome::kTemporaryFailure, true, "AR"},
        ModeCase{"msh16_ne_accepted", "", "NE", AckOutcome::kAccepted, false, ""},
        ModeCase{"msh16_er_accepted", "", "ER", AckOutcome::kAccepted, false, ""},
        ModeCase{"msh16_er_rejected", "", "ER", AckOutcome::kRejected, true, "AR"},
        ModeCase{"msh16_su_accepted", "", "SU", AckOutcome::kAccepted, true, "AA"},
        ModeCase{"msh16_su_content_error", "", "SU", AckOutcome::kContentError, false, ""},
        // MSH-15 asks for no accept acknowledgement in this case, MSH-16 for an application one.
        ModeCase{"ne_al_accepted", "NE", "AL", AckOutcome::kAccepted, true, "AA"},
        ModeCase{"ne_al_content_error", "NE", "AL", AckOutcome::kContentError, true, "AE"},
        ModeCase{"er_al_accepted", "ER", "AL", AckOutcome::kAccepted, true, "AA"},
        ModeCase{"er_al_rejected", "ER", "AL", AckOutcome::kRejected, true, "CR"},
        ModeCase{"su_er_content_error", "SU", "ER", AckOutcome::kContentError, true, "AE"},
        ModeCase{"su_er_accepted", "SU", "ER", AckOutcome::kAccepted, true, "CA"},
        ModeCase{"ne_su_rejected", "NE", "SU", AckOutcome::kRejected, false, ""},
        ModeCase{"ne_ne_accepted", "NE", "NE", AckOutcome::kAccepted, false, ""}),
    [](const ::testing::TestParamInfo<ModeCase>& param_info) { return std::string(param_info.param.name); });

TEST(Ack, TheCallerCanForceAMode) {
  AckOptions original = fixed();
  original.mode = AckMode::kOriginal;
  EXPECT_EQ(build_ack(header("AL", "NE"), AckOutcome::kAccepted, {}, original).code, "AA");
  AckOptions enhanced = fixed();
  enhanced.mode = AckMode::kEnhanced;
  Ack forced = build_ack(header("", ""), AckOutcome::kRejected, {ErrorDetail{}}, enhanced);
  EXPECT_TRUE(forced.send);
  EXPECT_EQ(forced.code, "CR");
}

// --- the ACK's header ---------------------------------------------------------------------------

TEST(Ack, SwapsSenderAndReceiverAndEchoesTheControlId) {
  const std::string input = read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, input);
  Ack ack = build_ack(header_of(*m), AckOutcome::kAccepted, {}, fixed());
  ASSERT_TRUE(ack.send);
  EXPECT_EQ(
      ack.text,
      "MSH|^~\\&|MEDGW|CRM|LIS|H0001^1.2.156.112604.1.1^ISO|20240512103000+0800||ACK^R01^ACK|MG-TEST-1|P|2.5.1||||||"
      "UNICODE UTF-8\r"
      "MSA|CA|LIS000000000987\r");
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->sending_application(), m->receiving_application());
  EXPECT_EQ(parsed->sending_facility(), m->receiving_facility());
  EXPECT_EQ(parsed->receiving_application(), m->sending_application());
  EXPECT_EQ(parsed->segment(0).field(6).raw(), m->segment(0).field(4).raw());
  EXPECT_EQ(parsed->find("MSA")->field(2).raw(), m->control_id());
  EXPECT_NE(parsed->control_id(), m->control_id());
}

TEST(Ack, EchoesProcessingIdVersionAndCharset) {
  AckHeader h = header("", "", "2.5.1");
  h.processing_id = "T";
  h.charset = "UNICODE UTF-8";
  Ack ack = build_ack(h, AckOutcome::kAccepted, {}, fixed());
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->processing_id(), "T");
  EXPECT_EQ(parsed->version(), "2.5.1");
  EXPECT_EQ(parsed->segment(0).field(18).raw(), "UNICODE UTF-8");
  EXPECT_EQ(parsed->control_id(), "MG-TEST-1");
  EXPECT_EQ(parsed->segment(0).field(7).raw(), "20240512103000+0800");

  AckHeader no_charset = header("", "", "2.4");
  Ack plain = build_ack(no_charset, AckOutcome::kAccepted, {}, fixed());
  PARSE_ACK(p, plain);
  EXPECT_EQ(p->version(), "2.4");
  EXPECT_TRUE(p->segment(0).field(18).empty());
}

TEST(Ack, UsesTheOriginalsDelimiters) {
  const std::string input = read_data("adt_a08_custom_delimiters.hl7");
  HL7_PARSE(m, input);
  Ack ack = build_ack(header_of(*m), AckOutcome::kAccepted, {}, fixed());
  EXPECT_EQ(ack.text.substr(0, 9), "MSH#$%*!#");
  EXPECT_EQ(ack.code, "AA");
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->delimiters(), m->delimiters());
  EXPECT_EQ(parsed->message_code(), "ACK");
  EXPECT_EQ(parsed->trigger_event(), "A08");
  EXPECT_EQ(parsed->find("MSA")->field(2).raw(), "HIS-A08-0001");

  const std::string v27 = read_data("oru_truncation_char.hl7");
  HL7_PARSE(t, v27);
  Ack trunc = build_ack(header_of(*t), AckOutcome::kAccepted, {}, fixed());
  EXPECT_EQ(trunc.text.substr(0, 10), "MSH|^~\\&#|");
  EXPECT_EQ(trunc.code, "CA");
}

TEST(Ack, FillsInItsOwnNameWhenTheOriginalHasNoReceiver) {
  AckHeader h = header("", "");
  h.receiving_application.clear();
  h.receiving_facility.clear();
  AckOptions o = fixed();
  o.application = "MEDGW-SITE1";
  o.facility = "SITE1";
  Ack ack = build_ack(h, AckOutcome::kAccepted, {}, o);
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->sending_application(), "MEDGW-SITE1");
  EXPECT_EQ(parsed->sending_facility(), "SITE1");
  EXPECT_EQ(parsed->receiving_application(), "LIS");
}

TEST(Ack, MessageTypeCarriesTheStructureFromV24) {
  Ack v25 = build_ack(header("", "", "2.5"), AckOutcome::kAccepted, {}, fixed());
  PARSE_ACK(a, v25);
  EXPECT_EQ(a->segment(0).field(9).raw(), "ACK^R01^ACK");
  Ack v23 = build_ack(header("", "", "2.3"), AckOutcome::kAccepted, {}, fixed());
  PARSE_ACK(b, v23);
  EXPECT_EQ(b->segment(0).field(9).raw(), "ACK^R01");
}

TEST(Ack, GeneratesATimestampAndAControlIdWhenNotGiven) {
  Ack first = build_ack(header("", ""), AckOutcome::kAccepted, {});
  Ack second = build_ack(header("", ""), AckOutcome::kAccepted, {});
  PARSE_ACK(a, first);
  PARSE_ACK(b, second);
  EXPECT_FALSE(a->control_id().empty());
  EXPECT_LE(a->control_id().size(), 20u);
  EXPECT_NE(a->control_id(), b->control_id());
  auto ts = parse_datetime(a->segment(0).field(7).raw());
  ASSERT_TRUE(ts) << ts.error();
  EXPECT_EQ(ts->precision, DateTimePrecision::kSecond);
  EXPECT_TRUE(ts->offset_minutes.has_value());
}

TEST(Ack, NewControlIdsAreUniqueAndFitMsh10) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    std::string id = new_control_id();
    ASSERT_FALSE(id.empty());
    ASSERT_LE(id.size(), 20u) << id;
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
    ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

// --- errors -------------------------------------------------------------------------------------

TEST(Ack, ReportsErrorsInErrForV25AndLater) {
  ErrorDetail dob;
  dob.code = 102;
  dob.segment = "PID";
  dob.sequence = 1;
  dob.field = 7;
  dob.severity = 'E';
  dob.diagnostic = "PID-7: date/time '19900230': day out of range for the month";
  dob.user_message = "出生日期无效|请核对";
  ErrorDetail id;
  id.code = 101;
  id.segment = "PID";
  id.sequence = 1;
  id.field = 3;
  id.repetition = 2;
  id.component = 4;
  id.subcomponent = 2;
  id.severity = 'W';
  Ack ack = build_ack(header("", "", "2.5.1"), AckOutcome::kContentError, {dob, id}, fixed());
  EXPECT_EQ(ack.code, "AE");
  PARSE_ACK(parsed, ack);
  ASSERT_EQ(parsed->segment_count(), 4u);
  EXPECT_TRUE(parsed->find("MSA")->field(3).empty());  // MSA-3 is for older senders
  Segment err = *parsed->find("ERR");
  EXPECT_TRUE(err.field(1).empty());
  EXPECT_EQ(err.field(2).raw(), "PID^1^7");
  EXPECT_EQ(err.field(3).raw(), "102^Data type error^HL70357");
  EXPECT_EQ(err.field(4).raw(), "E");
  EXPECT_EQ(err.field(7).value(), dob.diagnostic);
  EXPECT_EQ(err.field(8).value(), "出生日期无效|请核对");
  Segment second = *parsed->find("ERR", 2);
  EXPECT_EQ(second.field(2).raw(), "PID^1^3^2^4^2");
  EXPECT_EQ(second.field(3).raw(), "101^Required field missing^HL70357");
  EXPECT_EQ(second.field(4).raw(), "W");
  EXPECT_TRUE(second.field(7).empty());
}

TEST(Ack, ReportsErrorsInErr1AndMsa3ForOlderSenders) {
  const std::string input = read_data("orm_o01_order.hl7");  // v2.3.1
  HL7_PARSE(m, input);
  ErrorDetail e;
  e.code = 103;
  e.segment = "OBR";
  e.sequence = 1;
  e.field = 4;
  e.user_message = "未知检验项目 GLU^2";
  Ack ack = build_ack(header_of(*m), AckOutcome::kContentError, {e}, fixed());
  EXPECT_EQ(ack.code, "AE");
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->segment(0).field(9).raw(), "ACK^O01");
  Segment msa = *parsed->find("MSA");
  EXPECT_EQ(msa.field(2).raw(), "HIS20240504-7788");
  EXPECT_EQ(msa.field(3).value(), "未知检验项目 GLU^2");
  Segment err = *parsed->find("ERR");
  EXPECT_EQ(err.field(1).raw(), "OBR^1^4^103&Table value not found&HL70357");
  EXPECT_TRUE(err.field(2).empty());
  EXPECT_TRUE(err.field(3).empty());

  // Without a user message MSA-3 carries the table 0357 text.
  ErrorDetail bare;
  bare.code = 207;
  Ack v24 = build_ack(header("", "", "2.4"), AckOutcome::kRejected, {bare}, fixed());
  PARSE_ACK(p, v24);
  EXPECT_EQ(p->find("MSA")->field(3).value(), "Application internal error");
}

TEST(Ack, DescribesTable0357Codes) {
  EXPECT_EQ(error_code_text(0), "Message accepted");
  EXPECT_EQ(error_code_text(100), "Segment sequence error");
  EXPECT_EQ(error_code_text(101), "Required field missing");
  EXPECT_EQ(error_code_text(102), "Data type error");
  EXPECT_EQ(error_code_text(103), "Table value not found");
  EXPECT_EQ(error_code_text(200), "Unsupported message type");
  EXPECT_EQ(error_code_text(203), "Unsupported version id");
  EXPECT_EQ(error_code_text(207), "Application internal error");
  EXPECT_EQ(error_code_text(999), "Other HL7 Error");
}

TEST(Ack, TurnsParseErrorsIntoErrLocations) {
  const std::string bad_charset = join(
      {"MSH|^~\\&|HIS|H0001|MEDGW|CRM|20240512100000||ADT^A04|X-0001|P|2.5|||||CHN|CAN", "PID|1||P1^^^BLH^MR||王^芳"});
  auto m = Message::parse(bad_charset);
  ASSERT_FALSE(m);
  ErrorDetail d = error_from(m.error());
  EXPECT_EQ(d.code, 103);
  EXPECT_EQ(d.segment, "MSH");
  EXPECT_EQ(d.sequence, 1u);
  EXPECT_EQ(d.field, 18u);
  EXPECT_EQ(d.severity, 'E');
  EXPECT_NE(d.diagnostic.find("unknown-charset"), std::string::npos);
  EXPECT_FALSE(d.user_message.empty());

  ParseError empty;
  empty.code = ParseErrorCode::kEmptyInput;
  empty.message = "no message: the input is empty";
  ErrorDetail whole = error_from(empty);
  EXPECT_EQ(whole.code, 207);
  Ack ack = build_ack(AckHeader{}, AckOutcome::kRejected, {whole}, fixed());
  PARSE_ACK(parsed, ack);
  EXPECT_TRUE(parsed->find("ERR")->field(2).empty());
  EXPECT_EQ(parsed->find("ERR")->field(3).component(1).raw(), "207");
}

TEST(Ack, ErrLocationNamesTheOccurrenceOfARepeatedSegment) {
  // The bad byte is in the second OBX: ERR-2 must say OBX^2^5, not OBX^1^5.
  const std::string input =
      join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240512100000||ORU^R01|U-0005|P|2.5.1", "PID|1||P1^^^BLH^MR||王^芳",
            "OBR|1||LAB1^LIS|CBC^血常规^L", "OBX|1|NM|HGB^血红蛋白^L||132|g/L", "OBX|2|NM|PLT^血小板^L||\xFF|10*9/L"});
  auto m = Message::parse(input);
  ASSERT_FALSE(m);
  ErrorDetail d = error_from(m.error());
  EXPECT_EQ(d.segment, "OBX");
  EXPECT_EQ(d.field, 5u);
  EXPECT_EQ(d.sequence, 2u);
}

// --- salvaging the header of input that did not parse ------------------------------------------

TEST(Ack, SalvagesTheHeaderOfABrokenMessageToRejectIt) {
  const std::string input =
      "\x0B" + join({"MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240512100000||ORU^R01^ORU_R01|U-0006|T|2.5.1|||AL|NE",
                     "PID|1||P1^^^BLH^MR||\xFF\xFE^芳"});
  auto m = Message::parse(input.substr(1));
  ASSERT_FALSE(m);
  auto h = salvage_header(input);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->delimiters, kDefaultDelimiters);
  EXPECT_EQ(h->sending_application, "LIS");
  EXPECT_EQ(h->sending_facility, "H0001");
  EXPECT_EQ(h->receiving_application, "MEDGW");
  EXPECT_EQ(h->receiving_facility, "CRM");
  EXPECT_EQ(h->trigger_event, "R01");
  EXPECT_EQ(h->control_id, "U-0006");
  EXPECT_EQ(h->processing_id, "T");
  EXPECT_EQ(h->version, "2.5.1");
  EXPECT_EQ(h->accept_ack_type, "AL");
  EXPECT_EQ(h->application_ack_type, "NE");

  Ack ack = build_ack(*h, AckOutcome::kRejected, {error_from(m.error())}, fixed());
  EXPECT_EQ(ack.code, "CR");
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->find("MSA")->field(2).raw(), "U-0006");
  EXPECT_EQ(parsed->receiving_application(), "LIS");
  Segment err = *parsed->find("ERR");
  EXPECT_EQ(err.field(2).raw(), "PID^1^5");
  EXPECT_EQ(err.field(3).component(1).raw(), "102");
  EXPECT_EQ(err.field(4).raw(), "E");
}

TEST(Ack, SalvageKeepsOnlyPrintableAsciiAndTheDeclaredDelimiters) {
  const std::string input =
      "\xEF\xBB\xBFMSH#$%*!#LIS\xE5\xBC\xA0#H0001#MEDGW#CRM#20240512##ADT$A01#C\x01"
      "42#P#2.3\rPID#1\r";
  auto h = salvage_header(input);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->delimiters.field, '#');
  EXPECT_EQ(h->delimiters.escape, '*');
  EXPECT_EQ(h->sending_application, "LIS");
  EXPECT_EQ(h->trigger_event, "A01");
  EXPECT_EQ(h->control_id, "C42");
  EXPECT_EQ(h->version, "2.3");
  Ack ack = build_ack(*h, AckOutcome::kRejected, {}, fixed());
  EXPECT_EQ(ack.text.substr(0, 9), "MSH#$%*!#");
}

TEST(Ack, SalvageGivesUpWhenThereIsNoUsableHeader) {
  EXPECT_FALSE(salvage_header(""));
  EXPECT_FALSE(salvage_header("garbage\r"));
  EXPECT_FALSE(salvage_header("PID|1||P1\r"));
  EXPECT_FALSE(salvage_header("MSHA^~\\&AHIS\r"));
  EXPECT_FALSE(salvage_header("MSH|^~|HIS\r"));
}

TEST(Ack, RejectsWhatCannotBeSalvagedWithDefaults) {
  Ack ack = build_ack(salvage_header("garbage").value_or(AckHeader{}), AckOutcome::kRejected,
                      {error_from(test::parse_error_of("garbage"))}, fixed());
  EXPECT_TRUE(ack.send);
  EXPECT_EQ(ack.code, "AR");
  PARSE_ACK(parsed, ack);
  EXPECT_EQ(parsed->sending_application(), "MEDGW");
  EXPECT_EQ(parsed->version(), "2.5.1");
  EXPECT_EQ(parsed->find("ERR")->field(3).component(1).raw(), "100");
}

// build_ack writes an ACK without ERR segments directly; the general MessageWriter path must give
// the same bytes for every header: other delimiters (a truncation character too), values needing
// escapes, empty fields, versions before and after 2.4, MSH-18 or not, its own name or the
// original's receiver.
TEST(Ack, TheDirectAckEqualsTheWriterAckForAnyHeader) {
  std::mt19937 rng(20261202);
  const std::vector<Delimiters> delimiter_sets = {Delimiters{}, Delimiters{'|', '^', '~', '\\', '&', '#'},
                                                  Delimiters{'!', '@', '$', '%', '*', 0},
                                                  Delimiters{'+', '-', '~', '\\', '&', 0}};
  const std::vector<std::string> values = {"",      "LIS",       "H0001^1.2.156^ISO", "A&B", "x~y", "a\\b",
                                           "a+b-c", "tab\there", "line\rbreak",       "R01", "A01", "#1"};
  const std::vector<std::string> versions = {"", "2.3", "2.3.1", "2.4", "2.5.1", "2.7", "2.5^CHN"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (int i = 0; i < 5000; ++i) {
    AckHeader h;
    h.delimiters = delimiter_sets[rng() % delimiter_sets.size()];
    h.sending_application = pick(values);
    h.sending_facility = pick(values);
    h.receiving_application = pick(values);
    h.receiving_facility = pick(values);
    h.trigger_event = pick(values);
    h.control_id = pick(values);
    h.processing_id = pick({"", "P", "T", "D^T"});
    h.version = pick(versions);
    h.charset = pick({"", "UNICODE UTF-8", "GB 18030-2000"});
    AckOptions o;
    o.application = pick({"MEDGW", "ME|GW", ""});
    o.facility = pick({"", "CRM", "C^RM"});
    o.control_id = pick({"MG-1", "MG|2"});
    o.timestamp = pick({"20240512103000+0800", "20240512103000-0500"});
    const Ack ack = build_ack(h, AckOutcome::kAccepted, {}, o);
    const int version = h.version.empty() ? 0 : (h.version[0] - '0') * 10 + (h.version[2] - '0');
    ASSERT_EQ(ack.text, encode_ack_with_writer(h, ack.code, version, {}, o)) << "case " << i;
  }
}

TEST(Ack, GeneratedTimestampsAndControlIdsHaveTheirFormats) {
  const Ack a = build_ack(header("", ""), AckOutcome::kAccepted, {});
  const Ack b = build_ack(header("", ""), AckOutcome::kAccepted, {});
  PARSE_ACK(pa, a);
  PARSE_ACK(pb, b);
  const std::string ts(pa->segment(0).field(7).raw());
  ASSERT_EQ(ts.size(), 19u) << ts;  // YYYYMMDDHHMMSS+ZZZZ
  for (std::size_t k = 0; k < 14; ++k) EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(ts[k]))) << ts;
  EXPECT_TRUE(ts[14] == '+' || ts[14] == '-') << ts;
  const std::string id_a(pa->control_id()), id_b(pb->control_id());
  EXPECT_NE(id_a, id_b);
  ASSERT_EQ(id_a.size(), 20u);
  EXPECT_EQ(id_a.substr(0, 10), id_b.substr(0, 10));  // MG + this process's prefix
  EXPECT_EQ(std::stoull(id_b.substr(10)), std::stoull(id_a.substr(10)) + 1);
}

}  // namespace
}  // namespace medgw::hl7v2

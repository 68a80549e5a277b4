// Files and batches (batch.hpp): FHS/BHS/BTS/FTS, several messages one after another, counts in
// BTS-1 and FTS-1, empty batches, MLLP framing bytes, and the grammar errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

using test::join;
using test::read_data;

const std::string kGlucose = join({
    "MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240507060000||ORU^R01^ORU_R01|LISB-0101|P|2.5.1",
    "PID|1||P0012345^^^BLH^MR||王^芳",
    "OBX|1|NM|GLU^血糖^L||5.6|mmol/L|3.9-6.1||||F",
});
const std::string kPotassium = join({
    "MSH|^~\\&|LIS|H0001|MEDGW|CRM|20240507060100||ORU^R01^ORU_R01|LISB-0102|P|2.5.1",
    "PID|1||P0067890^^^BLH^MR||李^娜",
    "OBX|1|NM|K^钾^L||4.1|mmol/L|3.5-5.3||||F",
});
const std::string kFhs = "FHS|^~\\&|LIS|H0001|MEDGW|CRM|20240507060500||LISF-20240507\r";
const std::string kBhs = "BHS|^~\\&|LIS|H0001|MEDGW|CRM|20240507060500||LISB-20240507\r";

std::vector<std::string> control_ids(const BatchFile& file) {
  std::vector<std::string> ids;
  for (const MessageSpan& span : file.all_messages()) {
    auto m = Message::parse(span.text);
    EXPECT_TRUE(m) << m.error().describe();
    if (m) ids.emplace_back(m->control_id());
  }
  return ids;
}

BatchFile read_ok(std::string_view input) {
  auto file = read_batch(input);
  EXPECT_TRUE(file) << file.error().describe();
  return file ? std::move(*file) : BatchFile{};
}

ParseError read_error(std::string_view input) {
  auto file = read_batch(input);
  EXPECT_FALSE(file) << "expected a batch error";
  return file ? ParseError{} : file.error();
}

TEST(Batch, ReadsAFileWithFhsBhsBtsFts) {
  const std::string input = read_data("batch_lab_results.hl7");
  BatchFile file = read_ok(input);
  ASSERT_TRUE(file.header);
  EXPECT_EQ(file.header->substr(0, 4), "FHS|");
  ASSERT_TRUE(file.trailer);
  EXPECT_EQ(*file.trailer, "FTS|1");
  ASSERT_EQ(file.batches.size(), 1u);
  const Batch& batch = file.batches[0];
  ASSERT_TRUE(batch.header);
  EXPECT_NE(batch.header->find("LISB-20240507"), std::string_view::npos);
  ASSERT_TRUE(batch.trailer);
  EXPECT_EQ(*batch.trailer, "BTS|2");
  EXPECT_EQ(file.message_count(), 2u);
  EXPECT_EQ(control_ids(file), (std::vector<std::string>{"LISB-0001", "LISB-0002"}));
  // Each span runs from its MSH to the end of its last segment and sits at its offset.
  for (const MessageSpan& span : file.all_messages()) {
    EXPECT_EQ(span.text.substr(0, 4), "MSH|");
    EXPECT_EQ(input.substr(span.offset, span.text.size()), span.text);
    EXPECT_EQ(span.text.find("BTS"), std::string_view::npos);
  }
  auto second = Message::parse(file.all_messages()[1].text);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->segment_count(), 4u);
  EXPECT_EQ(second->find("OBX")->field(5).raw(), "4.1");
}

TEST(Batch, ReadsOneMessageWithoutBatchSegments) {
  BatchFile file = read_ok(kGlucose);
  EXPECT_FALSE(file.header);
  EXPECT_FALSE(file.trailer);
  ASSERT_EQ(file.batches.size(), 1u);
  EXPECT_FALSE(file.batches[0].header);
  ASSERT_EQ(file.message_count(), 1u);
  EXPECT_EQ(file.all_messages()[0].offset, 0u);
  EXPECT_EQ(std::string(file.all_messages()[0].text) + "\r", kGlucose);
}

TEST(Batch, SplitsSeveralMessagesOneAfterAnotherWhateverTheTerminator) {
  std::string lf = kGlucose + kPotassium;
  for (char& c : lf) {
    if (c == '\r') c = '\n';
  }
  std::string crlf;
  for (char c : kGlucose + kPotassium) {
    if (c == '\r') crlf += "\r\n";
    else crlf += c;
  }
  for (const std::string& input : {kGlucose + kPotassium, lf, crlf, "\xEF\xBB\xBF" + kGlucose + "\r\n\r\n" + kPotassium}) {
    BatchFile file = read_ok(input);
    EXPECT_EQ(control_ids(file), (std::vector<std::string>{"LISB-0101", "LISB-0102"}));
    EXPECT_EQ(file.all_messages()[1].offset, input.find("MSH", 5));
  }
}

TEST(Batch, SkipsBlankLinesEvenWithSpacesInThem) {
  const std::string input = " \r\n" + kFhs + "\t\r\n" + kGlucose + "   \r\n" + kPotassium + "FTS|1\r\n \r\n";
  BatchFile file = read_ok(input);
  ASSERT_EQ(control_ids(file), (std::vector<std::string>{"LISB-0101", "LISB-0102"}));
  EXPECT_EQ(std::string(file.all_messages()[0].text) + "\r", kGlucose);
}

TEST(Batch, SkipsMllpFramingBytesInCapturedFiles) {
  const std::string input = "\x0B" + kGlucose + "\x1C\r\x0B" + kPotassium + "\x1C\r";
  BatchFile file = read_ok(input);
  EXPECT_EQ(control_ids(file), (std::vector<std::string>{"LISB-0101", "LISB-0102"}));
  for (const MessageSpan& span : file.all_messages()) {
    EXPECT_EQ(span.text.find('\x0B'), std::string_view::npos);
    EXPECT_EQ(span.text.find('\x1C'), std::string_view::npos);
  }
}

TEST(Batch, AcceptsAnEmptyBatch) {
  // A periodic batch with nothing to send.
  BatchFile file = read_ok(kFhs + kBhs + "BTS|0\rFTS|1\r");
  ASSERT_EQ(file.batches.size(), 1u);
  EXPECT_TRUE(file.batches[0].header);
  EXPECT_TRUE(file.batches[0].messages.empty());
  EXPECT_EQ(file.message_count(), 0u);

  BatchFile bare = read_ok(kBhs + "BTS|0\r");
  ASSERT_EQ(bare.batches.size(), 1u);
  EXPECT_EQ(bare.message_count(), 0u);

  BatchFile no_batches = read_ok(kFhs + "FTS|0\r");
  EXPECT_TRUE(no_batches.header);
  EXPECT_TRUE(no_batches.batches.empty());
}

TEST(Batch, ReadsSeveralBatchesInOneFile) {
  const std::string input = kFhs + kBhs + kGlucose + "BTS|1\r" + kBhs + kPotassium + "BTS|1\r" + kBhs + "BTS|0\rFTS|3\r";
  BatchFile file = read_ok(input);
  ASSERT_EQ(file.batches.size(), 3u);
  EXPECT_EQ(file.batches[0].messages.size(), 1u);
  EXPECT_EQ(file.batches[1].messages.size(), 1u);
  EXPECT_TRUE(file.batches[2].messages.empty());
  EXPECT_EQ(control_ids(file), (std::vector<std::string>{"LISB-0101", "LISB-0102"}));
}

TEST(Batch, CountsAreOptional) {
  BatchFile file = read_ok(kBhs + kGlucose + kPotassium + "BTS\r");
  EXPECT_EQ(file.message_count(), 2u);
  BatchFile no_trailer = read_ok(kFhs + kBhs + kGlucose);
  EXPECT_EQ(no_trailer.message_count(), 1u);
}

TEST(Batch, UsesTheBatchHeadersFieldSeparatorForCounts) {
  const std::string input = "BHS#$%*!#LIS#H0001\r" + kGlucose + kPotassium + "BTS#2\r";
  BatchFile file = read_ok(input);
  EXPECT_EQ(file.message_count(), 2u);
  ParseError e = read_error("BHS#$%*!#LIS#H0001\r" + kGlucose + "BTS#2\r");
  EXPECT_EQ(e.code, ParseErrorCode::kBadBatch);
}

TEST(Batch, ABtsCountThatDisagreesIsAnError) {
  const std::string input = kFhs + kBhs + kGlucose + kPotassium + "BTS|3\rFTS|1\r";
  ParseError e = read_error(input);
  EXPECT_EQ(e.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(e.segment, "BTS");
  EXPECT_EQ(e.offset, input.find("BTS|3"));
  EXPECT_NE(e.message.find("3"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("2"), std::string::npos) << e.message;
  EXPECT_EQ(hl7_error_code(e.code), 100);

  // A batch trailer that claims messages the batch does not hold: messages were lost.
  ParseError empty = read_error(kBhs + "BTS|1\r");
  EXPECT_EQ(empty.segment, "BTS");
}

TEST(Batch, AnFtsCountThatDisagreesIsAnError) {
  const std::string input = kFhs + kBhs + kGlucose + "BTS|1\r" + kBhs + kPotassium + "BTS|1\rFTS|1\r";
  ParseError e = read_error(input);
  EXPECT_EQ(e.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(e.segment, "FTS");
  EXPECT_EQ(e.offset, input.find("FTS|1"));
}

TEST(Batch, RejectsBatchSegmentsOutOfOrder) {
  ParseError late_fhs = read_error(kGlucose + kFhs);
  EXPECT_EQ(late_fhs.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(late_fhs.segment, "FHS");
  EXPECT_EQ(late_fhs.offset, kGlucose.size());

  ParseError after_fts = read_error(kFhs + kGlucose + "FTS|1\r" + kPotassium);
  EXPECT_EQ(after_fts.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(after_fts.segment, "MSH");

  ParseError orphan_bts = read_error(kBhs + kGlucose + "BTS|1\rBTS|0\r");
  EXPECT_EQ(orphan_bts.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(orphan_bts.segment, "BTS");

  ParseError no_msh = read_error(kBhs + "PID|1||P1^^^BLH^MR\r");
  EXPECT_EQ(no_msh.code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(no_msh.offset, kBhs.size());
}

TEST(Batch, ReportsBadBatchHeaderDelimitersWhereTheyAre) {
  const std::string input = kFhs + "BHS|^~\r" + kGlucose;
  ParseError e = read_error(input);
  EXPECT_EQ(e.code, ParseErrorCode::kBadDelimiters);
  EXPECT_EQ(e.segment, "BHS");
  EXPECT_EQ(e.field, 2u);
  EXPECT_EQ(e.offset, kFhs.size() + 4);
}

TEST(Batch, EmptyInputIsAnError) {
  EXPECT_EQ(read_error("").code, ParseErrorCode::kEmptyInput);
  EXPECT_EQ(read_error("\r\n\r\n").code, ParseErrorCode::kEmptyInput);
}

TEST(Batch, EnforcesTheMessageCountLimit) {
  BatchLimits one;
  one.max_messages = 1;
  auto ok = read_batch(kGlucose, one);
  EXPECT_TRUE(ok);
  auto too_many = read_batch(kGlucose + kPotassium, one);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ParseErrorCode::kBadBatch);
  EXPECT_EQ(too_many.error().offset, kGlucose.size());
}

}  // namespace
}  // namespace medgw::hl7v2

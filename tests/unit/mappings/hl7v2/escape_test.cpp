// Escape sequences (escape.hpp): decoding every sequence of v2.5 section 2.7, keeping the ones
// medgw cannot interpret, encoding text for a value, and the round trip between the two.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hl7v2_test_support.hpp"
#include "mappings/hl7v2/escape.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

const Delimiters kStd{};
const Delimiters kTrunc{'|', '^', '~', '\\', '&', '#'};
// Field '#', component '$', repetition '%', escape '*', sub-component '!'.
const Delimiters kOdd{'#', '$', '%', '*', '!', 0};

std::string un(std::string_view raw, const Delimiters& d = kStd) { return unescape(raw, d); }
std::string keep_formatting(std::string_view raw, const Delimiters& d = kStd) {
  return unescape(raw, d, UnescapeOptions{FormattingEscapes::kPreserve});
}

TEST(Escape, DecodesTheDelimiterEscapes) {
  EXPECT_EQ(un("\\F\\"), "|");
  EXPECT_EQ(un("\\S\\"), "^");
  EXPECT_EQ(un("\\T\\"), "&");
  EXPECT_EQ(un("\\R\\"), "~");
  EXPECT_EQ(un("\\E\\"), "\\");
  EXPECT_EQ(un("血压 120\\S\\80 \\T\\ 心率 72\\F\\次\\R\\分 C:\\E\\lis"), "血压 120^80 & 心率 72|次~分 C:\\lis");
}

TEST(Escape, DecodesTheTruncationEscapeOnlyWhenDeclared) {
  EXPECT_EQ(un("No\\P\\1", kTrunc), "No#1");
  EXPECT_EQ(un("No\\P\\1", kStd), "No\\P\\1");
}

TEST(Escape, DecodesTheMessagesOwnDelimiters) {
  EXPECT_EQ(un("*F**S**T**R**E*", kOdd), "#$!%*");
  EXPECT_EQ(un("100*F*200*.br*end", kOdd), "100#200\nend");
  EXPECT_EQ(un("*X41*", kOdd), "A");
  // The default escapes are plain text when '\' is not the escape character.
  EXPECT_EQ(un("\\F\\", kOdd), "\\F\\");
}

TEST(Escape, DecodesHexBytes) {
  EXPECT_EQ(un("\\X41\\"), "A");
  EXPECT_EQ(un("line\\X0D0A\\next"), "line\r\nnext");
  EXPECT_EQ(un("\\X0D\\\\X0A\\"), "\r\n");
  // Multi-byte UTF-8 given byte by byte, upper or lower case hex.
  EXPECT_EQ(un("患者\\XE5BCA0E4B889\\"), "患者张三");
  EXPECT_EQ(un("\\Xe5bca0\\"), "张");
}

TEST(Escape, KeepsHexItCannotReadAsText) {
  EXPECT_EQ(un("\\XFF\\"), "\\XFF\\");       // not UTF-8
  EXPECT_EQ(un("\\XE5BC\\"), "\\XE5BC\\");   // a truncated character
  EXPECT_EQ(un("\\X414\\"), "\\X414\\");     // odd number of digits
  EXPECT_EQ(un("\\XG1\\"), "\\XG1\\");       // not hex
  EXPECT_EQ(un("\\X\\"), "\\X\\");
}

TEST(Escape, TurnsFormattingIntoPlainText) {
  EXPECT_EQ(un("一\\.br\\二"), "一\n二");
  EXPECT_EQ(un("a\\.sp 2\\b"), "a\n\nb");
  EXPECT_EQ(un("a\\.sp\\b"), "a\nb");  // no count means one
  EXPECT_EQ(un("a\\.sk 3\\b"), "a   b");
  EXPECT_EQ(un("a\\.sk\\b"), "a b");
  EXPECT_EQ(un("\\.nf\\a\\.fi\\b"), "ab");
  EXPECT_EQ(un("\\.in 4\\a\\.ti -2\\b\\.in +0\\"), "ab");
  EXPECT_EQ(un("报告\\.ce\\结论"), "报告\n结论");
  EXPECT_EQ(un("\\H\\危急值\\N\\ 请处理"), "危急值 请处理");
}

TEST(Escape, CanPreserveFormattingForReEncodingAsFt) {
  EXPECT_EQ(keep_formatting("\\H\\危急值\\N\\\\.br\\100\\F\\200"), "\\H\\危急值\\N\\\\.br\\100|200");
  EXPECT_EQ(keep_formatting("\\.sp 2\\\\.in 4\\"), "\\.sp 2\\\\.in 4\\");
}

TEST(Escape, PreservesSequencesItDoesNotInterpret) {
  EXPECT_EQ(un("a\\Zlocal\\b"), "a\\Zlocal\\b");
  EXPECT_EQ(un("\\C2842\\abc\\C2B42\\"), "\\C2842\\abc\\C2B42\\");
  EXPECT_EQ(un("\\M2442\\"), "\\M2442\\");
  EXPECT_EQ(un("\\Q\\"), "\\Q\\");
  EXPECT_EQ(un("\\.zz\\"), "\\.zz\\");
  EXPECT_EQ(un("\\.sp x\\"), "\\.sp x\\");
  EXPECT_EQ(un("\\.br 2\\"), "\\.br 2\\");
  // A huge count is not honoured (and does not allocate a gigabyte).
  EXPECT_EQ(un("\\.sp 999999999\\"), "\\.sp 999999999\\");
  EXPECT_EQ(un("\\\\"), "\\\\");
}

TEST(Escape, KeepsAnUnterminatedEscapeAsText) {
  EXPECT_EQ(un("C:\\lis"), "C:\\lis");
  EXPECT_EQ(un("abc\\F"), "abc\\F");
  EXPECT_EQ(un("\\F\\ tail \\"), "| tail \\");
  EXPECT_EQ(un("\\"), "\\");
}

TEST(Escape, UnescapeAppendAddsToWhatIsThere) {
  std::string out = "结果: ";
  unescape_append("5\\S\\6", kStd, out);
  EXPECT_EQ(out, "结果: 5^6");
}

TEST(Escape, EncodesDelimitersAsEscapes) {
  EXPECT_EQ(escape("a|b^c~d\\e&f", kStd), "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f");
  EXPECT_EQ(escape("血压 120^80", kStd), "血压 120\\S\\80");
  EXPECT_EQ(escape("a#b$c%d*e!f", kOdd), "a*F*b*S*c*R*d*E*e*T*f");
  EXPECT_EQ(escape("a|b^c", kOdd), "a|b^c");
  EXPECT_EQ(escape("No#1", kTrunc), "No\\P\\1");
  EXPECT_EQ(escape("No#1", kStd), "No#1");
  EXPECT_EQ(escape("", kStd), "");
}

TEST(Escape, EncodesLineBreaksAsFormattedText) {
  EXPECT_EQ(escape("第一行\r\n第二行\n第三行\r第四行", kStd), "第一行\\.br\\第二行\\.br\\第三行\\.br\\第四行");
  EXPECT_EQ(escape("a\n\nb", kStd), "a\\.br\\\\.br\\b");
  EXPECT_EQ(escape("a\nb", kOdd), "a*.br*b");
}

TEST(Escape, EncodesLineBreaksAsHexWhenAskedForByteExactness) {
  const EscapeOptions hex{LineBreaks::kHex};
  EXPECT_EQ(escape("a\r\nb", kStd, hex), "a\\X0D\\\\X0A\\b");
  EXPECT_EQ(escape("a\nb", kOdd, hex), "a*X0A*b");
}

TEST(Escape, EncodesOtherControlCharactersAsHexAndKeepsTabsAndText) {
  EXPECT_EQ(escape("a\x01" "b\x1F", kStd), "a\\X01\\b\\X1F\\");
  EXPECT_EQ(escape("a\tb", kStd), "a\tb");
  EXPECT_EQ(escape("王芳 😀", kStd), "王芳 😀");
}

TEST(Escape, RoundTripsAnyTextByteExactWithHexLineBreaks) {
  const std::vector<std::string> texts = {
      "",
      "plain",
      "a|b^c~d\\e&f",
      "\\F\\ is how HL7 writes |",
      "C:\\lis\\report.pdf",
      "第一行\r\n第二行\r第三行\n",
      "tab\there \x01\x02 bell\x07",
      "\\X41\\ \\.br\\ \\H\\",
      "罕见字㐀 表情😀 區~觺",
      "trailing backslash \\",
  };
  const EscapeOptions hex{LineBreaks::kHex};
  for (const Delimiters& d : {kStd, kTrunc, kOdd}) {
    for (const std::string& t : texts) {
      EXPECT_EQ(unescape(escape(t, d, hex), d), t) << t;
      // The escaped form never contains a delimiter that would split the value.
      std::string e = escape(t, d, hex);
      for (char c : {d.field, d.component, d.repetition, d.subcomponent}) {
        EXPECT_EQ(e.find(c), std::string::npos) << t;
      }
    }
  }
}

TEST(Escape, RoundTripsFormattedLineBreaksAsNewlines) {
  EXPECT_EQ(unescape(escape("一\r\n二\r三\n四", kStd), kStd), "一\n二\n三\n四");
  EXPECT_EQ(unescape(escape("结论:\n正常 | 无异常", kOdd), kOdd), "结论:\n正常 | 无异常");
}

TEST(Escape, ReEncodingDecodedDelimiterEscapesGivesTheSameText) {
  for (std::string_view raw : {"120\\S\\80", "\\F\\\\S\\\\T\\\\R\\\\E\\", "a\\.br\\b", "C:\\E\\lis"}) {
    EXPECT_EQ(escape(unescape(raw, kStd), kStd), raw);
  }
}

TEST(Escape, MessageValuesAreDecodedWithTheMessagesDelimiters) {
  const std::string lab = test::read_data("oru_r01_lab.hl7");
  HL7_PARSE(m, lab);
  Field report = m->find("OBX", 5)->field(5);
  EXPECT_EQ(report.raw(), "镜下所见\\.br\\细胞形态正常 \\T\\ 无异常\\.br\\结论\\F\\正常");
  EXPECT_EQ(report.value(), "镜下所见\n细胞形态正常 & 无异常\n结论|正常");

  const std::string trunc = test::read_data("oru_truncation_char.hl7");
  HL7_PARSE(t, trunc);
  EXPECT_EQ(t->find("OBX")->field(5).value(), "Line one\nLine | two & three\r\nend");
}

}  // namespace
}  // namespace medgw::hl7v2

#include "adapters/mllp/frame_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace medgw::mllp;

namespace {

std::string frame(const std::string& payload) { return "\x0B" + payload + "\x1C\x0D"; }

struct Collected {
  std::vector<std::string> frames;
  std::vector<std::string> incomplete;
  std::vector<std::string> oversize;
};

void drain(FrameDecoder& d, Collected& out) {
  for (FrameEvent ev = d.next(); ev != FrameEvent::kNeedMore; ev = d.next()) {
    std::string p(d.payload());
    if (ev == FrameEvent::kFrame) out.frames.push_back(p);
    if (ev == FrameEvent::kIncomplete) out.incomplete.push_back(p);
    if (ev == FrameEvent::kOversize) out.oversize.push_back(p);
  }
}

}  // namespace

TEST(FrameDecoder, TwoFramesInOneRead) {
  FrameDecoder d(1024);
  d.feed(frame("MSH|A\r") + frame("MSH|B\r"));
  Collected c;
  drain(d, c);
  ASSERT_EQ(c.frames.size(), 2u);  // @medplum/hl7 and simple-hl7 drop the second one
  EXPECT_EQ(c.frames[0], "MSH|A\r");
  EXPECT_EQ(c.frames[1], "MSH|B\r");
}

TEST(FrameDecoder, FrameSplitAtEveryPossiblePoint) {
  const std::string wire = frame("MSH|^~\\&|X\rPID|1\r") + frame("MSH|2\r");
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    FrameDecoder d(1024);
    Collected c;
    d.feed(wire.substr(0, cut));
    drain(d, c);
    d.feed(wire.substr(cut));
    drain(d, c);
    ASSERT_EQ(c.frames.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(c.frames[0], "MSH|^~\\&|X\rPID|1\r") << "cut at " << cut;
    EXPECT_EQ(c.frames[1], "MSH|2\r") << "cut at " << cut;
  }
}

TEST(FrameDecoder, ByteByByte) {
  const std::string wire = frame("MSH|1\r") + "\n" + frame("MSH|2\r");
  FrameDecoder d(1024);
  Collected c;
  for (char b : wire) {
    d.feed(std::string(1, b));
    drain(d, c);
  }
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1], "MSH|2\r");
}

TEST(FrameDecoder, StrayBytesBetweenFramesAreSkippedAndCounted) {
  FrameDecoder d(1024);
  d.feed("junk" + frame("MSH|1\r") + "\n\r\n" + frame("MSH|2\r"));
  Collected c;
  drain(d, c);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(d.skipped_bytes(), 7u);
}

TEST(FrameDecoder, StartBlockInsideFrameReportsIncompleteFrame) {
  FrameDecoder d(1024);
  d.feed("\x0BMSH|lost end\r" + frame("MSH|2\r"));
  Collected c;
  drain(d, c);
  ASSERT_EQ(c.incomplete.size(), 1u);
  EXPECT_EQ(c.incomplete[0], "MSH|lost end\r");
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "MSH|2\r");
}

TEST(FrameDecoder, EndBlockWithoutCarriageReturnStillEndsTheFrame) {
  FrameDecoder d(1024);
  d.feed(std::string("\x0BMSH|1\r\x1C") + frame("MSH|2\r"));
  Collected c;
  drain(d, c);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[0], "MSH|1\r");
}

TEST(FrameDecoder, PartialFrameIsReportedAsInFrame) {
  FrameDecoder d(1024);
  d.feed("\x0BMSH|1\r");
  Collected c;
  drain(d, c);
  EXPECT_TRUE(c.frames.empty());
  EXPECT_TRUE(d.in_frame());
  d.feed("\x1C\x0D");
  drain(d, c);
  EXPECT_EQ(c.frames.size(), 1u);
  EXPECT_FALSE(d.in_frame());
}

TEST(FrameDecoder, OversizeFrameIsReportedOnceAndDiscardedThenDecodingResumes) {
  FrameDecoder d(100, 16);
  std::string big = "MSH|" + std::string(1000, 'x') + "\r";
  Collected c;
  // Arrives in pieces, as a large frame does.
  std::string wire = frame(big) + frame("MSH|after\r");
  for (std::size_t i = 0; i < wire.size(); i += 37) {
    d.feed(wire.substr(i, 37));
    drain(d, c);
  }
  ASSERT_EQ(c.oversize.size(), 1u);
  EXPECT_EQ(c.oversize[0], big.substr(0, 16));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "MSH|after\r");
  EXPECT_LT(d.buffered(), 200u) << "memory must stay bounded while discarding";
}

TEST(FrameDecoder, BufferStaysBoundedOverManyFrames) {
  FrameDecoder d(1024);
  Collected c;
  for (int i = 0; i < 10000; ++i) {
    d.feed(frame("MSH|" + std::to_string(i) + "\r"));
    drain(d, c);
    ASSERT_LT(d.buffered(), 64u);
  }
  EXPECT_EQ(c.frames.size(), 10000u);
}

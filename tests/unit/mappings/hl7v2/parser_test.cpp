#include <gtest/gtest.h>

#include "mappings/hl7v2/message.hpp"

using namespace medgw::hl7v2;

TEST(Parser, ReadsControlId) {
  auto m = Message::parse("MSH|^~\\&|A|B|C|D|20240101||ADT^A01|123|P|2.5\rPID|1||42^^^H^MR\r");
  ASSERT_TRUE(m) << m.error().describe();
  EXPECT_EQ(m->control_id(), "123");
}

// The listener's questions to the gateway behind it (mllp::Intake), against a real RocksDB queue and
// the real sender on port 0: a frame without MSH-18 is parsed in the charset the intake gives its
// sender; a type the intake does not map is refused with AR/CR and ERR-3 200/201 at MSH-9 and stored
// as rejected, or, with unmapped types parked, acknowledged and queued as before.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>

#include "adapters/mllp/listener.hpp"
#include "adapters/mllp/sender.hpp"
#include "gateway/core/backpressure.hpp"
#include "mappings/hl7v2/charset.hpp"
#include "mappings/hl7v2/message.hpp"
#include "queue_test_support.hpp"

namespace medgw::mllp {
namespace {

using queue::test::MockClock;
using queue::test::TempDir;

std::string message(const std::string& facility, const std::string& type, const std::string& control_id,
                    const std::string& charset, const std::string& accept_ack = "") {
  return "MSH|^~\\&|HIS|" + facility + "|MEDGW|CRM|20261123093000+0800||" + type + "|" + control_id + "|P|2.5.1|||" +
         accept_ack + "||CHN|" + charset + "\rPID|1||P1^^^BLH^MR||诸葛^亮||19850612|M\r";
}

std::string gbk(const std::string& utf8) {
  auto cs = hl7v2::find_charset("GBK");
  EXPECT_TRUE(cs);
  auto bytes = hl7v2::encode_from_utf8(utf8, *cs);
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : std::string();
}

// The gateway's answers, scripted: facility CNHOSP sends GBK; XYZ is no type, ADT^A17 no event.
Intake scripted_intake() {
  Intake intake;
  intake.default_charset = [](std::string_view raw) -> std::optional<hl7v2::Charset> {
    if (raw.find("|CNHOSP|") != std::string_view::npos) return hl7v2::find_charset("GBK");
    return std::nullopt;
  };
  intake.message_type = [](std::string_view code, std::string_view event) {
    if (code != "ADT") return Intake::Type::kUnknownType;
    return event == "A17" ? Intake::Type::kUnknownEvent : Intake::Type::kMapped;
  };
  return intake;
}

class ListenerTest : public ::testing::Test {
 protected:
  void start(Intake intake, bool reject_unmapped = true) {
    queue_ = queue::test::open_or_fail(queue::test::test_options(dir_, clock_));
    ASSERT_TRUE(queue_);
    ListenerConfig cfg;
    cfg.name = "his";
    cfg.bind = "127.0.0.1";
    cfg.port = 0;
    cfg.reject_unmapped_types = reject_unmapped;
    listener_ = std::make_unique<MllpListener>(io_, cfg, *queue_, backpressure_, std::move(intake));
    std::string why;
    ASSERT_FALSE(listener_->start(why)) << why;
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (listener_) listener_->stop();
    if (thread_.joinable()) thread_.join();
    listener_.reset();
    queue_.reset();
  }

  SendResult send(const std::string& text) {
    SenderConfig cfg;
    cfg.port = listener_->port();
    cfg.max_attempts = 1;
    auto results = send_messages(cfg, {text});
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SendResult{} : results[0];
  }

  // ERR-2 (ERL: segment^sequence^field^repetition^component) and ERR-3.1 of the first ERR.
  static std::pair<std::string, std::string> err_of(const SendResult& r) {
    auto ack = hl7v2::Message::parse(r.ack_text);
    EXPECT_TRUE(ack) << r.ack_text;
    if (!ack) return {};
    auto err = ack->find("ERR");
    EXPECT_TRUE(err) << r.ack_text;
    if (!err) return {};
    return {std::string(err->field(2).raw()), std::string(err->field(3).component(1).raw())};
  }

  TempDir dir_;
  MockClock clock_;
  std::unique_ptr<queue::RocksDbQueue> queue_;
  Backpressure backpressure_{[] { return std::uint64_t{0}; }, 1'000'000, 0};
  boost::asio::io_context io_;
  std::unique_ptr<MllpListener> listener_;
  std::thread thread_;
};

TEST_F(ListenerTest, AFrameWithoutMsh18IsParsedInTheCharsetTheIntakeGivesItsSender) {
  start(scripted_intake());
  const std::string bytes = gbk(message("CNHOSP", "ADT^A04^ADT_A01", "G1", ""));
  const SendResult r = send(bytes);
  EXPECT_EQ(r.ack_code, "AA") << r.ack_text;
  const auto ready = queue_->list(EnvelopeStatus::kReady, 10);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(queue_->get(ready[0])->raw, bytes);  // the bytes as sent: the pipeline decodes them again

  // The same bytes from a sender the intake names no charset for are not UTF-8: refused.
  const SendResult other = send(gbk(message("OTHER", "ADT^A04^ADT_A01", "G2", "")));
  EXPECT_EQ(other.ack_code, "AR") << other.ack_text;
  EXPECT_EQ(err_of(other).second, "102");
  EXPECT_EQ(queue_->list(EnvelopeStatus::kRejected, 10).size(), 1u);
}

TEST_F(ListenerTest, AnUnmappedTypeOrEventIsRefusedWithErr200Or201AndStoredAsRejected) {
  start(scripted_intake());
  const SendResult type = send(message("SZ-HOSP", "XYZ^Q99^XYZ_Q99", "U1", "UNICODE UTF-8"));
  EXPECT_EQ(type.ack_code, "AR") << type.ack_text;
  EXPECT_EQ(err_of(type), std::make_pair(std::string("MSH^1^9^^1"), std::string("200")));
  EXPECT_EQ(type.ack_text.find("诸葛"), std::string::npos);  // the ERR names the type, not the content

  const SendResult event = send(message("SZ-HOSP", "ADT^A17^ADT_A17", "U2", "UNICODE UTF-8"));
  EXPECT_EQ(event.ack_code, "AR") << event.ack_text;
  EXPECT_EQ(err_of(event), std::make_pair(std::string("MSH^1^9^^2"), std::string("201")));

  // Enhanced mode: the accept acknowledgement is the refusal.
  const SendResult enhanced = send(message("SZ-HOSP", "XYZ^Q99^XYZ_Q99", "U3", "UNICODE UTF-8", "AL"));
  EXPECT_EQ(enhanced.ack_code, "CR") << enhanced.ack_text;

  const auto rejected = queue_->list(EnvelopeStatus::kRejected, 10);
  ASSERT_EQ(rejected.size(), 3u);
  const auto state = queue_->state(rejected[0]);
  EXPECT_EQ(state->reason, "unsupported: MSH-9: no mapping for message type XYZ^Q99");
  EXPECT_EQ(queue_->state(rejected[1])->reason, "unsupported: MSH-9: no mapping for the event of ADT^A17");
  EXPECT_NE(queue_->get(rejected[0])->raw.find("XYZ^Q99"), std::string::npos);  // kept as sent
  EXPECT_TRUE(queue_->list(EnvelopeStatus::kReady, 10).empty());

  // The connection and the listener go on: a mapped type is taken.
  const SendResult good = send(message("SZ-HOSP", "ADT^A04^ADT_A01", "U4", "UNICODE UTF-8"));
  EXPECT_EQ(good.ack_code, "AA") << good.ack_text;
  EXPECT_EQ(queue_->list(EnvelopeStatus::kReady, 10).size(), 1u);
}

TEST_F(ListenerTest, WithUnmappedTypesParkedTheyAreAcknowledgedAndQueued) {
  start(scripted_intake(), /*reject_unmapped=*/false);
  const SendResult r = send(message("SZ-HOSP", "XYZ^Q99^XYZ_Q99", "P1", "UNICODE UTF-8"));
  EXPECT_EQ(r.ack_code, "AA") << r.ack_text;
  EXPECT_EQ(queue_->list(EnvelopeStatus::kReady, 10).size(), 1u);  // for the pipeline to park
}

TEST_F(ListenerTest, WithoutAnIntakeEveryTypeIsTakenAndMsh18DefaultsToUtf8) {
  start(Intake{});
  EXPECT_EQ(send(message("SZ-HOSP", "XYZ^Q99^XYZ_Q99", "N1", "UNICODE UTF-8")).ack_code, "AA");
  EXPECT_EQ(send(gbk(message("CNHOSP", "ADT^A04^ADT_A01", "N2", ""))).ack_code, "AR");
}

}  // namespace
}  // namespace medgw::mllp

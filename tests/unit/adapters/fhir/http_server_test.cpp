// The HTTP server on a real socket: keep-alive, handler on the pool, limits answered through the
// error page, graceful stop. The client is Beast's, synchronous.
#include "adapters/fhir/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace medgw::fhir {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerConfig cfg) {
    cfg.port = 0;
    server_ = std::make_unique<HttpServer>(
        io_, cfg,
        [this](const HttpRequest& req) {
          ++handled_;
          HttpResponse res;
          res.status = req.path == "/missing" ? 404 : 200;
          res.set_header("Content-Type", "text/plain");
          std::string q;
          for (const auto& [k, v] : req.query) q += k + "=" + v + ";";
          const std::string* ct = req.header("content-type");
          res.body = req.method + " " + req.path + " " + q + " " + (ct ? *ct : "-") + " " + req.body;
          return res;
        },
        [](unsigned status, const std::string& message) {
          HttpResponse res;
          res.status = status;
          res.body = "error: " + message;
          return res;
        });
    std::string why;
    ASSERT_FALSE(server_->start(why)) << why;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }
  http::response<http::string_body> exchange(tcp::socket& s, http::request<http::string_body> req) {
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> handled_{0};
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start({});
  auto s = connect();
  http::request<http::string_body> get{http::verb::get, "/fhir/Patient?name=Li+Lei&_count=2", 11};
  get.set(http::field::host, "localhost");
  auto r1 = exchange(s, get);
  EXPECT_EQ(r1.result_int(), 200u);
  EXPECT_EQ(r1.body(), "GET /fhir/Patient name=Li Lei;_count=2; - ");
  EXPECT_TRUE(r1.keep_alive());
  http::request<http::string_body> post{http::verb::post, "/fhir/Observation", 11};
  post.set(http::field::host, "localhost");
  post.set(http::field::content_type, "application/fhir+json");
  post.body() = R"({"resourceType":"Observation"})";
  auto r2 = exchange(s, post);
  EXPECT_EQ(r2.body(), R"(POST /fhir/Observation  application/fhir+json {"resourceType":"Observation"})");
  http::request<http::string_body> missing{http::verb::get, "/missing", 11};
  EXPECT_EQ(exchange(s, missing).result_int(), 404u);
  EXPECT_EQ(handled_.load(), 3);
  EXPECT_EQ(server_->counters().connections.load(), 1u);
}

TEST_F(HttpServerTest, ABodyOverTheLimitIsAnswered413AndTheConnectionClosed) {
  HttpServerConfig cfg;
  cfg.max_body_bytes = 1024;
  start(cfg);
  auto s = connect();
  http::request<http::string_body> post{http::verb::post, "/fhir/Bundle", 11};
  post.body() = std::string(4096, 'x');
  auto res = exchange(s, post);
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_NE(res.body().find("1024"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, AHeaderOverTheLimitIsAnswered431) {
  HttpServerConfig cfg;
  cfg.max_header_bytes = 512;
  start(cfg);
  auto s = connect();
  http::request<http::string_body> get{http::verb::get, "/fhir/Patient", 11};
  get.set("X-Padding", std::string(2048, 'a'));
  EXPECT_EQ(exchange(s, get).result_int(), 431u);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, GarbageIsAnswered400) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer(std::string("THIS IS NOT HTTP\r\n\r\n")));
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, AMalformedPercentEscapeIsAnswered400WithoutTheHandler) {
  start({});
  auto s = connect();
  http::request<http::string_body> get{http::verb::get, "/fhir/Patient?name=%G1", 11};
  auto res = exchange(s, get);
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerConfig cfg;
  cfg.idle_timeout = std::chrono::milliseconds(200);
  start(cfg);
  auto s = connect();
  char byte;
  boost::system::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  s.read_some(asio::buffer(&byte, 1), ec);  // blocks until the server closes
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitAreRefused) {
  HttpServerConfig cfg;
  cfg.max_connections = 1;
  start(cfg);
  auto first = connect();
  http::request<http::string_body> get{http::verb::get, "/x", 11};
  EXPECT_EQ(exchange(first, get).result_int(), 200u);  // the first is open and counted
  auto second = connect();
  char byte;
  boost::system::error_code ec;
  second.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_EQ(server_->counters().refused_connections.load(), 1u);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndTheIoContextRunsOut) {
  start({});
  auto s = connect();
  http::request<http::string_body> get{http::verb::get, "/x", 11};
  EXPECT_EQ(exchange(s, get).result_int(), 200u);
  server_->stop();
  thread_.join();  // returns only when every session ended
  char byte;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

}  // namespace
}  // namespace medgw::fhir

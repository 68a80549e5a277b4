#include "gateway/asio/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

namespace medgw {

namespace ssl = boost::asio::ssl;

Expected<std::unique_ptr<ssl::context>, std::string> make_server_tls_context(const TlsConfig& tls,
                                                                            const std::string& who) {
  for (const std::string& f : {tls.certificate, tls.private_key}) {
    if (f.empty() || !std::filesystem::exists(f)) return unexpected(who + ": TLS file '" + f + "' does not exist");
  }
  if (tls.require_client_certificate && tls.ca.empty()) {
    return unexpected(who + ": require_client_certificate needs a ca file");
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(tls.certificate, ec);
  if (!ec) ctx->use_private_key_file(tls.private_key, ssl::context::pem, ec);
  if (!ec && !tls.ca.empty()) ctx->load_verify_file(tls.ca, ec);
  if (ec) return unexpected(who + ": TLS setup failed: " + ec.message());
  if (tls.require_client_certificate) ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

}  // namespace medgw

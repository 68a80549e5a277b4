#pragma once
// A server-side OpenSSL context from a TlsConfig: TLS 1.2 and later only, the certificate chain and
// key loaded, client certificates required when configured. One place, so every listener gets the
// same protocol floor.
#include <memory>
#include <string>

#include "gateway/core/expected.hpp"
#include "gateway/core/tls_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace medgw {

// Errors name the file or the setting to fix; `who` prefixes them ("listener his-adt").
Expected<std::unique_ptr<boost::asio::ssl::context>, std::string> make_server_tls_context(const TlsConfig& tls,
                                                                                       const std::string& who);

}  // namespace medgw

#pragma once
// Turns an Authorization header into a Principal: a static API key (compared by SHA-256, in
// constant time) or a JWT checked against the configured issuers' keys.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapters/fhir/access.hpp"
#include "adapters/fhir/jwt.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::fhir {

class Authenticator {
 public:
  // Loads the JWT keys; errors name the key file.
  static Expected<std::unique_ptr<Authenticator>, std::string> create(const AccessConfig& config);

  // `authorization`: the header's value, or nullptr when absent. The error is what the client is
  // told (401): why the token is refused, never the token.
  Expected<Principal, std::string> authenticate(const std::string* authorization,
                                                std::chrono::system_clock::time_point now) const;

 private:
  struct Issuer {
    JwtKey config;
    std::unique_ptr<JwtVerifier> verifier;
  };
  std::vector<ApiKey> api_keys_;
  std::vector<Issuer> issuers_;
};

}  // namespace medgw::fhir

#include "adapters/fhir/authenticator.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace medgw::fhir {

Expected<std::unique_ptr<Authenticator>, std::string> Authenticator::create(const AccessConfig& config) {
  auto auth = std::make_unique<Authenticator>();
  auth->api_keys_ = config.api_keys;
  for (auto& key : auth->api_keys_) {
    std::transform(key.token_sha256.begin(), key.token_sha256.end(), key.token_sha256.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  for (const auto& k : config.jwt_keys) {
    auto verifier = JwtVerifier::from_pem_file(k.public_key_file);
    if (!verifier) return unexpected(verifier.error());
    auth->issuers_.push_back(Issuer{k, std::move(*verifier)});
  }
  return auth;
}

Expected<Principal, std::string> Authenticator::authenticate(const std::string* authorization,
                                                             std::chrono::system_clock::time_point now) const {
  if (authorization == nullptr) return unexpected(std::string("an Authorization: Bearer token is required"));
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view value = *authorization;
  if (value.size() <= kBearer.size() || !std::equal(kBearer.begin(), kBearer.end(), value.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      })) {
    return unexpected(std::string("the Authorization header must be 'Bearer <token>'"));
  }
  const std::string_view token = value.substr(kBearer.size());
  // A JWT has two dots; an API key is opaque. Try the keys first: hashing is cheap.
  const std::string hash = sha256_hex(token);
  for (const auto& key : api_keys_) {
    if (key.token_sha256.size() == hash.size() &&
        CRYPTO_memcmp(key.token_sha256.data(), hash.data(), hash.size()) == 0) {
      return Principal{key.client, key.scopes};
    }
  }
  if (std::count(token.begin(), token.end(), '.') != 2 || issuers_.empty()) {
    return unexpected(std::string("unknown API key"));
  }
  std::string last_error = "no configured issuer accepts this token";
  for (const auto& issuer : issuers_) {
    auto claims = issuer.verifier->verify(token, now);
    if (!claims) {
      last_error = claims.error();
      continue;
    }
    if (!issuer.config.key_id.empty() && claims->key_id != issuer.config.key_id) continue;
    if (claims->issuer != issuer.config.issuer) {
      last_error = "the JWT issuer is not the one configured for its key";
      continue;
    }
    if (!issuer.config.audience.empty() &&
        std::find(claims->audience.begin(), claims->audience.end(), issuer.config.audience) == claims->audience.end()) {
      last_error = "the JWT audience does not include this server";
      continue;
    }
    Principal p;
    p.client = !claims->client_id.empty() ? claims->client_id : claims->subject;
    if (p.client.empty()) {
      last_error = "the JWT names no client (client_id or sub)";
      continue;
    }
    p.scopes = std::move(claims->scopes);
    return p;
  }
  return unexpected(last_error);
}

}  // namespace medgw::fhir

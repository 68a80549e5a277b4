#pragma once
// JSON Web Tokens (RFC 7519) signed RS256 or ES256 (RFC 7518), verified against a public key
// with OpenSSL. Only what an API needs: signature, `exp`/`nbf` (with a small clock skew), `iss`,
// `aud`, and the `scope` claim. `alg: none` and HMAC algorithms are refused: a public key must
// never be usable as an HMAC secret (the classic algorithm-confusion attack).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"

namespace medgw::fhir {

struct JwtClaims {
  std::string issuer, subject, client_id;
  std::vector<std::string> audience;
  std::vector<std::string> scopes;  // `scope`, space-separated
  std::string key_id;               // header `kid`
};

class JwtVerifier {
 public:
  // Reads a PEM public key (RSA or EC P-256). Errors name the file.
  static Expected<std::unique_ptr<JwtVerifier>, std::string> from_pem_file(const std::string& path);
  static Expected<std::unique_ptr<JwtVerifier>, std::string> from_pem(std::string_view pem);
  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Checks the signature (the algorithm must match the key type) and the time claims at `now`;
  // the returned message says why a token is refused, never echoing its content.
  Expected<JwtClaims, std::string> verify(std::string_view token, std::chrono::system_clock::time_point now) const;

 private:
  struct Key;
  explicit JwtVerifier(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

// Base64url without padding (RFC 4648 §5), as JWTs use it.
bool base64url_decode(std::string_view in, std::string& out);
std::string base64url_encode(std::string_view in);

}  // namespace medgw::fhir

#pragma once
// Who may do what on the FHIR API. Clients present a bearer token: a static API key from the
// config (stored there only as its SHA-256) or a JWT signed RS256/ES256 by a configured key. Both
// carry SMART scopes: `system/Patient.read`, `system/*.write`, `system/*.*` (v1) and
// `system/Observation.rs`, `system/*.cruds` (v2).
#include <string>
#include <string_view>
#include <vector>

namespace medgw::fhir {

struct ApiKey {
  std::string client;        // names the client in the audit trail and as the FHIR sender
  std::string token_sha256;  // hex SHA-256 of the token; the token itself is never stored
  std::vector<std::string> scopes;
};

struct JwtKey {
  std::string issuer;           // required `iss`
  std::string audience;         // required in `aud` when set
  std::string public_key_file;  // PEM public key (RSA for RS256, P-256 for ES256)
  std::string key_id;           // when set, only tokens whose header `kid` equals it
};

struct AccessConfig {
  std::vector<ApiKey> api_keys;
  std::vector<JwtKey> jwt_keys;
};

// The authenticated caller.
struct Principal {
  std::string client;  // API key's client, or the JWT's `client_id`/`sub`
  std::vector<std::string> scopes;
};

enum class Access { kRead, kWrite };

// Whether `scopes` allow `access` to resources of `type` (a search, read or $everything is read;
// create, update and transactions are write).
bool scope_allows(const std::vector<std::string>& scopes, std::string_view type, Access access);

// Hex SHA-256 of a token: how API keys are written into the config (`medgw fhir hash-token`).
std::string sha256_hex(std::string_view text);

}  // namespace medgw::fhir

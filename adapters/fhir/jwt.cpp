#include "adapters/fhir/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

namespace medgw::fhir {

struct JwtVerifier::Key {
  EVP_PKEY* pkey = nullptr;
  bool is_ec = false;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;
constexpr std::chrono::seconds kClockSkew{60};

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string text_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// An ES256 signature is r||s, 32 bytes each; OpenSSL verifies DER-encoded ECDSA-Sig-Value.
bool ecdsa_raw_to_der(std::string_view raw, std::string& der) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return false;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  if (len <= 0) return false;
  der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  return true;
}

}  // namespace

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = b64_value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return bits < 6;  // a lone trailing character cannot encode a byte
}

std::string base64url_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char ch : in) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

JwtVerifier::JwtVerifier(std::unique_ptr<Key> key) : key_(std::move(key)) {}
JwtVerifier::~JwtVerifier() = default;

Expected<std::unique_ptr<JwtVerifier>, std::string> JwtVerifier::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return unexpected(std::string("out of memory"));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return unexpected(std::string("not a PEM public key"));
  auto key = std::make_unique<Key>();
  key->pkey = pkey;
  const int type = EVP_PKEY_get_base_id(pkey);
  if (type == EVP_PKEY_EC) {
    if (EVP_PKEY_get_bits(pkey) != 256) return unexpected(std::string("an EC key for ES256 must be P-256"));
    key->is_ec = true;
  } else if (type == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(pkey) < 2048) return unexpected(std::string("an RSA key for RS256 must have 2048 bits or more"));
  } else {
    return unexpected(std::string("the key is neither RSA nor EC"));
  }
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(key)));
}

Expected<std::unique_ptr<JwtVerifier>, std::string> JwtVerifier::from_pem_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read the JWT public key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto v = from_pem(text.str());
  if (!v) return unexpected(path + ": " + v.error());
  return v;
}

Expected<JwtClaims, std::string> JwtVerifier::verify(std::string_view token,
                                                     std::chrono::system_clock::time_point now) const {
  if (token.size() > kMaxTokenBytes) return unexpected(std::string("token too long"));
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unexpected(std::string("not a JWT (three dot-separated parts)"));
  }
  std::string header_json, payload_json, signature;
  if (!base64url_decode(token.substr(0, dot1), header_json) ||
      !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_json) ||
      !base64url_decode(token.substr(dot2 + 1), signature)) {
    return unexpected(std::string("a JWT part is not base64url"));
  }
  rapidjson::Document header;
  header.Parse(header_json.c_str(), header_json.size());
  if (header.HasParseError() || !header.IsObject()) return unexpected(std::string("the JWT header is not a JSON object"));
  const std::string alg = text_member(header, "alg");
  if (alg != (key_->is_ec ? "ES256" : "RS256")) {
    return unexpected("JWT algorithm '" + alg + "' is not accepted for this key (" +
                      (key_->is_ec ? "ES256" : "RS256") + ")");
  }
  std::string der;
  std::string_view sig = signature;
  if (key_->is_ec) {
    if (!ecdsa_raw_to_der(signature, der)) return unexpected(std::string("malformed ES256 signature"));
    sig = der;
  }
  const std::string_view signed_part = token.substr(0, dot2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool good = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
                    EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                     reinterpret_cast<const unsigned char*>(signed_part.data()),
                                     signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!good) return unexpected(std::string("JWT signature does not verify"));

  rapidjson::Document payload;
  payload.Parse(payload_json.c_str(), payload_json.size());
  if (payload.HasParseError() || !payload.IsObject()) return unexpected(std::string("the JWT payload is not a JSON object"));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto exp = payload.FindMember("exp");
  if (exp == payload.MemberEnd() || !exp->value.IsNumber()) return unexpected(std::string("the JWT has no exp claim"));
  if (exp->value.GetDouble() + static_cast<double>(kClockSkew.count()) < static_cast<double>(seconds)) {
    return unexpected(std::string("the JWT has expired"));
  }
  if (auto nbf = payload.FindMember("nbf"); nbf != payload.MemberEnd()) {
    if (!nbf->value.IsNumber()) return unexpected(std::string("the JWT nbf claim is not a number"));
    if (nbf->value.GetDouble() - static_cast<double>(kClockSkew.count()) > static_cast<double>(seconds)) {
      return unexpected(std::string("the JWT is not valid yet"));
    }
  }
  JwtClaims claims;
  claims.issuer = text_member(payload, "iss");
  claims.subject = text_member(payload, "sub");
  claims.client_id = text_member(payload, "client_id");
  claims.key_id = text_member(header, "kid");
  if (auto aud = payload.FindMember("aud"); aud != payload.MemberEnd()) {
    if (aud->value.IsString()) {
      claims.audience.emplace_back(aud->value.GetString(), aud->value.GetStringLength());
    } else if (aud->value.IsArray()) {
      for (const auto& a : aud->value.GetArray()) {
        if (a.IsString()) claims.audience.emplace_back(a.GetString(), a.GetStringLength());
      }
    }
  }
  std::string_view scope_text;
  if (auto scope = payload.FindMember("scope"); scope != payload.MemberEnd() && scope->value.IsString()) {
    scope_text = {scope->value.GetString(), scope->value.GetStringLength()};
  }
  while (!scope_text.empty()) {
    const auto space = scope_text.find(' ');
    if (space != 0) claims.scopes.emplace_back(scope_text.substr(0, space));
    if (space == std::string_view::npos) break;
    scope_text.remove_prefix(space + 1);
  }
  return claims;
}

}  // namespace medgw::fhir

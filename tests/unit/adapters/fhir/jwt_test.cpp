// JWT verification against keys generated here with OpenSSL: RS256 and ES256 tokens signed by the
// test, then tampered with, expired, or signed with the wrong algorithm or key.
#include "adapters/fhir/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>

#include "adapters/fhir/authenticator.hpp"

namespace medgw::fhir {
namespace {

using Clock = std::chrono::system_clock;

struct KeyPair {
  EVP_PKEY* pkey = nullptr;
  bool ec = false;
  explicit KeyPair(bool is_ec) : ec(is_ec) {
    pkey = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
              : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  }
  ~KeyPair() { EVP_PKEY_free(pkey); }
  std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, pkey);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return pem;
  }
  std::string sign(const std::string& input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    std::size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (!ec) return sig;
    // DER ECDSA-Sig-Value -> JWS r||s.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(s);
    return raw;
  }
  std::string token(const std::string& payload, std::string alg = "") const {
    if (alg.empty()) alg = ec ? "ES256" : "RS256";
    const std::string input =
        base64url_encode(R"({"alg":")" + alg + R"(","typ":"JWT","kid":"k1"})") + "." + base64url_encode(payload);
    return input + "." + base64url_encode(sign(input));
  }
};

std::int64_t now_s() { return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count(); }

std::string payload(std::int64_t exp_offset, const std::string& extra = "") {
  return R"({"iss":"https://idp.hospital","sub":"crm","aud":"medgw","exp":)" + std::to_string(now_s() + exp_offset) +
         R"(,"scope":"system/Patient.read system/Observation.read")" + extra + "}";
}

TEST(Base64Url, RoundTripsAndRejectsForeignCharacters) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\x00\x01"}) {
    std::string back;
    ASSERT_TRUE(base64url_decode(base64url_encode(s), back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(base64url_decode("ab+/", out));
  EXPECT_FALSE(base64url_decode("a", out));
}

class JwtTest : public ::testing::TestWithParam<bool> {};

TEST_P(JwtTest, AValidTokenGivesItsClaims) {
  KeyPair key(GetParam());
  auto verifier = JwtVerifier::from_pem(key.public_pem());
  ASSERT_TRUE(verifier) << verifier.error();
  auto claims = (*verifier)->verify(key.token(payload(300)), Clock::now());
  ASSERT_TRUE(claims) << claims.error();
  EXPECT_EQ(claims->issuer, "https://idp.hospital");
  EXPECT_EQ(claims->subject, "crm");
  EXPECT_EQ(claims->key_id, "k1");
  EXPECT_EQ(claims->audience, std::vector<std::string>{"medgw"});
  EXPECT_EQ(claims->scopes, (std::vector<std::string>{"system/Patient.read", "system/Observation.read"}));
}

TEST_P(JwtTest, TamperedExpiredAndForeignTokensAreRefused) {
  KeyPair key(GetParam());
  KeyPair other(GetParam());
  auto verifier = JwtVerifier::from_pem(key.public_pem());
  ASSERT_TRUE(verifier);
  // Payload changed after signing: the scope widened.
  std::string token = key.token(payload(300));
  const auto d1 = token.find('.'), d2 = token.rfind('.');
  const std::string forged = token.substr(0, d1 + 1) + base64url_encode(payload(300, R"(,"x":"system/*.*")")) +
                             token.substr(d2);
  EXPECT_FALSE((*verifier)->verify(forged, Clock::now()));
  EXPECT_FALSE((*verifier)->verify(other.token(payload(300)), Clock::now()));     // wrong key
  auto expired = (*verifier)->verify(key.token(payload(-3600)), Clock::now());
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().find("expired"), std::string::npos);
  EXPECT_FALSE((*verifier)->verify(key.token(payload(300, R"(,"nbf":)" + std::to_string(now_s() + 3600))),
                                   Clock::now()));
  EXPECT_FALSE((*verifier)->verify(key.token(R"({"iss":"x","sub":"y"})"), Clock::now()));  // no exp
  EXPECT_FALSE((*verifier)->verify("a.b", Clock::now()));
  EXPECT_FALSE((*verifier)->verify("not a token at all", Clock::now()));
}

TEST_P(JwtTest, AlgorithmsOtherThanTheKeysAreRefused) {
  KeyPair key(GetParam());
  auto verifier = JwtVerifier::from_pem(key.public_pem());
  ASSERT_TRUE(verifier);
  // alg none with an empty signature, and HS256 (a public key used as an HMAC secret).
  const std::string unsigned_token = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(payload(300)) + ".";
  EXPECT_FALSE((*verifier)->verify(unsigned_token, Clock::now()));
  auto hs = (*verifier)->verify(key.token(payload(300), "HS256"), Clock::now());
  ASSERT_FALSE(hs);
  EXPECT_NE(hs.error().find("HS256"), std::string::npos);
  EXPECT_FALSE((*verifier)->verify(key.token(payload(300), GetParam() ? "RS256" : "ES256"), Clock::now()));
}

INSTANTIATE_TEST_SUITE_P(Rs256AndEs256, JwtTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? std::string("ES256") : std::string("RS256"); });

TEST(JwtVerifier, RefusesKeysThatAreNotPublicKeys) {
  EXPECT_FALSE(JwtVerifier::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  EXPECT_FALSE(JwtVerifier::from_pem_file("/nonexistent/key.pem"));
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("medgw-auth-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    key_file_ = (dir_ / "idp.pem").string();
    std::ofstream(key_file_) << key_.public_pem();
    AccessConfig cfg;
    cfg.api_keys.push_back(ApiKey{"lis", sha256_hex("secret-lis-token"), {"system/*.write"}});
    cfg.jwt_keys.push_back(JwtKey{"https://idp.hospital", "medgw", key_file_, ""});
    auto auth = Authenticator::create(cfg);
    ASSERT_TRUE(auth) << auth.error();
    auth_ = std::move(*auth);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  KeyPair key_{false};
  std::filesystem::path dir_;
  std::string key_file_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, ApiKeysAreMatchedByTheirHash) {
  const std::string header = "Bearer secret-lis-token";
  auto p = auth_->authenticate(&header, Clock::now());
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->client, "lis");
  EXPECT_EQ(p->scopes, std::vector<std::string>{"system/*.write"});
  const std::string wrong = "Bearer secret-lis-tokeN";
  EXPECT_FALSE(auth_->authenticate(&wrong, Clock::now()));
  EXPECT_FALSE(auth_->authenticate(nullptr, Clock::now()));
  const std::string basic = "Basic bGlzOnNlY3JldA==";
  EXPECT_FALSE(auth_->authenticate(&basic, Clock::now()));
}

TEST_F(AuthenticatorTest, JwtsNeedTheConfiguredIssuerAndAudience) {
  const std::string good = "Bearer " + key_.token(payload(300));
  auto p = auth_->authenticate(&good, Clock::now());
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->client, "crm");
  const std::string other_aud = "Bearer " + key_.token(
      R"({"iss":"https://idp.hospital","sub":"crm","aud":"another-api","exp":)" + std::to_string(now_s() + 300) + "}");
  auto refused = auth_->authenticate(&other_aud, Clock::now());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("audience"), std::string::npos);
  const std::string other_iss = "Bearer " + key_.token(
      R"({"iss":"https://evil","sub":"crm","aud":"medgw","exp":)" + std::to_string(now_s() + 300) + "}");
  EXPECT_FALSE(auth_->authenticate(&other_iss, Clock::now()));
}

}  // namespace
}  // namespace medgw::fhir

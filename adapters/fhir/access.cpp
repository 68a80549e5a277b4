#include "adapters/fhir/access.hpp"

#include <openssl/evp.h>

namespace medgw::fhir {
namespace {

// One scope against one request: "system/<type or *>.<permissions>".
bool one_allows(std::string_view scope, std::string_view type, Access access) {
  for (std::string_view context : {"system/", "user/"}) {
    if (scope.substr(0, context.size()) != context) continue;
    scope.remove_prefix(context.size());
    const auto dot = scope.find('.');
    if (dot == std::string_view::npos) return false;
    const std::string_view scope_type = scope.substr(0, dot);
    const std::string_view perms = scope.substr(dot + 1);
    if (scope_type != "*" && scope_type != type) return false;
    if (perms == "*") return true;
    if (perms == "read") return access == Access::kRead;
    if (perms == "write") return access == Access::kWrite;
    // SMART v2: c(reate) r(ead) u(pdate) d(elete) s(earch), in that order. Writes here are
    // create or update: either letter grants them (a create-only client may still POST).
    for (char c : perms) {
      if (std::string_view("cruds").find(c) == std::string_view::npos) return false;
    }
    if (access == Access::kRead) return perms.find('r') != std::string_view::npos || perms.find('s') != std::string_view::npos;
    return perms.find('c') != std::string_view::npos || perms.find('u') != std::string_view::npos;
  }
  return false;
}

}  // namespace

bool scope_allows(const std::vector<std::string>& scopes, std::string_view type, Access access) {
  for (const auto& s : scopes) {
    if (one_allows(s, type, access)) return true;
  }
  return false;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace medgw::fhir

#pragma once
// An HTTP request and response as the FHIR API sees them: plain strings, no Beast types, so the
// API's many files stay light to compile and can be tested without a socket.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace medgw::fhir {

struct HttpRequest {
  std::string method;  // GET, POST, PUT, DELETE, ...
  std::string target;  // as sent: path and query, percent-encoded
  std::string path;    // decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order, repeats kept
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer;    // address:port of the client, for logs
  bool secure = false; // arrived over TLS

  // The first header of that (lower-case) name, or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
};

// Splits a request target into its decoded path and query parameters. Percent-escapes are decoded
// ('+' is a space in the query only); false when an escape is malformed.
bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

// Percent-encodes a query value (RFC 3986 unreserved characters kept), for links we write.
std::string percent_encode(std::string_view text);

}  // namespace medgw::fhir

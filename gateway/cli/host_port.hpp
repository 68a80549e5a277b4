#pragma once
// "HOST:PORT" as the --to options take it ("127.0.0.1:2575", "[::1]:2575").
#include <cstdint>
#include <string>

#include "gateway/core/expected.hpp"

namespace medgw::cli {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

inline Expected<HostPort, std::string> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return unexpected("--to must be HOST:PORT, not '" + text + "'");
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']') hp.host = hp.host.substr(1, hp.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return unexpected("bad port in --to " + text);
  }
  const int n = std::stoi(port);
  if (n <= 0 || n > 65535) return unexpected("bad port in --to " + text);
  hp.port = static_cast<std::uint16_t>(n);
  return hp;
}

}  // namespace medgw::cli

// `medgw fhir hash-token`: the SHA-256 an API key is written into the config as, so the token
// itself never sits in a file the gateway reads.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "adapters/fhir/access.hpp"
#include "gateway/cli/commands.hpp"

namespace medgw::cli {

void add_fhir_command(CLI::App& app, int& exit_code) {
  auto* fhir = app.add_subcommand("fhir", "FHIR API tools");
  fhir->require_subcommand(1);
  auto* hash = fhir->add_subcommand("hash-token", "print the token_sha256 of an API key for fhir.api_keys");
  auto token = std::make_shared<std::string>();
  hash->add_option("token", *token, "the API key (read from stdin when omitted, to keep it out of shell history)");
  hash->callback([token, &exit_code] {
    std::string t = *token;
    if (t.empty() && !std::getline(std::cin, t)) {
      std::cerr << "medgw fhir hash-token: no token given\n";
      exit_code = 2;
      return;
    }
    if (t.size() < 16) {
      std::cerr << "medgw fhir hash-token: a token needs at least 16 characters\n";
      exit_code = 2;
      return;
    }
    std::cout << fhir::sha256_hex(t) << "\n";
    exit_code = 0;
  });
}

}  // namespace medgw::cli

// `medgw serve --config FILE`: runs the gateway.
#include <CLI/CLI.hpp>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/runtime/gateway.hpp"

namespace medgw::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>("deploy/medgw.yaml");
  CLI::App* cmd = app.add_subcommand("serve", "Run the gateway");
  cmd->add_option("--config", *path, "The gateway's YAML config")->capture_default_str();
  cmd->callback([path, &exit_code] {
    auto cfg = config::load_config(*path);
    if (!cfg) {
      std::cerr << "medgw serve: " << cfg.error() << "\n";
      exit_code = 2;
      return;
    }
    exit_code = runtime::run_gateway(*cfg);
  });
}

}  // namespace medgw::cli

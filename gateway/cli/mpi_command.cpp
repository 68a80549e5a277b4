// `medgw mpi ...`: the master patient index. Its subcommands register here from their own files:
// the operator's actions on links (review, link, unlink, merge, unmerge, distinct, undo, history),
// reading and writing the CRM store the config names.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/mpi_commands.hpp"

namespace medgw::cli {

void add_mpi_command(CLI::App& app, int& exit_code) {
  auto config = std::make_shared<std::string>("deploy/medgw.yaml");
  CLI::App* mpi = app.add_subcommand("mpi", "The master patient index: matching model, review, link, merge, unmerge");
  mpi->require_subcommand(1);
  mpi->add_option("--config", *config, "gateway config (its crm_store is read)");
  add_mpi_operation_commands(*mpi, config, exit_code);
}

}  // namespace medgw::cli

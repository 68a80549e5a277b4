// `medgw mpi ...`: the master patient index. Two families of subcommands register here, each from
// its own file: the matching model (train, evaluate, bench) and the operator's actions on links
// (review, link, unlink, merge, unmerge, distinct). Both read the CRM store the config names.
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
  add_mpi_matching_commands(*mpi, config, exit_code);
  add_mpi_operation_commands(*mpi, config, exit_code);
}

}  // namespace medgw::cli

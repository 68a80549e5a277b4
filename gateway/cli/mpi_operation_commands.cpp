// The operation subcommands of `medgw mpi` (mpi_commands.hpp).
#include <CLI/CLI.hpp>

#include "gateway/cli/mpi_commands.hpp"

namespace medgw::cli {

void add_mpi_operation_commands(CLI::App& /*mpi*/, std::shared_ptr<const std::string> /*config*/, int& /*exit_code*/) {}

}  // namespace medgw::cli

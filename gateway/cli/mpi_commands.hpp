#pragma once
// The two families of `medgw mpi` subcommands (mpi_command.cpp registers the group).
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace medgw::cli {

// train, evaluate, bench: the Fellegi-Sunter model and its measurements (mpi_matching_commands.cpp).
void add_mpi_matching_commands(CLI::App& mpi, std::shared_ptr<const std::string> config, int& exit_code);
// review, link, unlink, merge, unmerge, distinct: operator decisions (mpi_operation_commands.cpp).
void add_mpi_operation_commands(CLI::App& mpi, std::shared_ptr<const std::string> config, int& exit_code);

}  // namespace medgw::cli

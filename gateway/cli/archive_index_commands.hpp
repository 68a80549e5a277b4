#pragma once
// The patient index's operator actions, under `medgw archive` (archive_index_commands.cpp):
// merges, undo-merge, review, unlink.
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace medgw::cli {

// Registers the subcommands on `archive`; `config` is the archive command's --config value, read
// when a subcommand runs.
void add_archive_index_commands(CLI::App& archive, std::shared_ptr<const std::string> config, int& exit_code);

}  // namespace medgw::cli

#pragma once
// The medgw subcommands. Each registers itself on the app and, when chosen, sets the process exit
// status through `exit_code`.
namespace CLI {
class App;
}

namespace medgw::cli {

void add_parse_command(CLI::App& app, int& exit_code);
void add_ack_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_send_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_messages_command(CLI::App& app, int& exit_code);
void add_load_command(CLI::App& app, int& exit_code);
void add_archive_command(CLI::App& app, int& exit_code);
void add_map_command(CLI::App& app, int& exit_code);
void add_fhir_command(CLI::App& app, int& exit_code);
void add_mpi_command(CLI::App& app, int& exit_code);
void add_conformance_command(CLI::App& app, int& exit_code);

}  // namespace medgw::cli

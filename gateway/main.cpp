// medgw: the integration gateway's single binary. Subcommands are defined in gateway/cli/.
#include <CLI/CLI.hpp>

#include "gateway/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"medgw - HL7 v2 / FHIR integration gateway"};
  app.require_subcommand(1);
  int exit_code = 0;
  medgw::cli::add_parse_command(app, exit_code);
  medgw::cli::add_ack_command(app, exit_code);
  medgw::cli::add_bench_command(app, exit_code);
  medgw::cli::add_send_command(app, exit_code);
  medgw::cli::add_serve_command(app, exit_code);
  medgw::cli::add_messages_command(app, exit_code);
  medgw::cli::add_load_command(app, exit_code);
  medgw::cli::add_archive_command(app, exit_code);
  medgw::cli::add_map_command(app, exit_code);
  medgw::cli::add_fhir_command(app, exit_code);
  medgw::cli::add_mpi_command(app, exit_code);
  medgw::cli::add_conformance_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version succeed; any other parse error is a usage error, exit status 2 as the
    // commands document (CLI11's own codes, 100 and up, are not what scripts expect).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}

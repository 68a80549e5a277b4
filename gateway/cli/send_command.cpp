// `medgw send --to HOST:PORT [--tls ...] FILE...`: sends each message of each file over MLLP,
// waits for its acknowledgement, prints one line per message ("MSH-10 MSA-1"), retries on
// timeouts, and exits 1 if any message was not accepted (AA/CA).
#include <CLI/CLI.hpp>
#include <iostream>

#include "adapters/mllp/sender.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/host_port.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/batch.hpp"

namespace medgw::cli {
namespace {

struct SendArgs {
  std::string to;
  std::vector<std::string> files;
  bool tls = false;
  std::string ca, cert, key, server_name;
  bool insecure = false;
  int timeout_ms = 30'000;
  int attempts = 3;
};

int run(const SendArgs& args) {
  mllp::SenderConfig cfg;
  auto to = parse_host_port(args.to);
  if (!to) {
    std::cerr << "medgw send: " << to.error() << "\n";
    return 2;
  }
  cfg.host = to->host;
  cfg.port = to->port;
  cfg.ack_timeout = std::chrono::milliseconds(args.timeout_ms);
  cfg.max_attempts = args.attempts;
  if (args.tls || !args.ca.empty() || !args.cert.empty()) {
    mllp::SenderTls tls;
    tls.ca = args.ca;
    tls.certificate = args.cert;
    tls.private_key = args.key;
    tls.verify = !args.insecure;
    tls.server_name = args.server_name;
    cfg.tls = tls;
  }
  std::vector<std::string> messages;
  for (const std::string& path : args.files) {
    auto data = read_file(path);
    if (!data) {
      std::cerr << "medgw send: " << data.error() << "\n";
      return 2;
    }
    auto file = hl7v2::read_batch(*data);
    if (!file) {
      std::cerr << "medgw send: " << path << ": " << file.error().describe() << "\n";
      return 2;
    }
    for (const auto& span : file->all_messages()) messages.push_back(hl7v2::with_cr_terminators(span.text));
  }
  int failed = 0;
  mllp::send_messages(cfg, messages, [&](const mllp::SendResult& r) {
    std::cout << (r.control_id.empty() ? "-" : r.control_id) << " " << (r.ack_code.empty() ? "ERROR" : r.ack_code);
    if (!r.error.empty()) std::cout << " " << r.error;
    if (r.attempts > 1) std::cout << " (attempts: " << r.attempts << ")";
    std::cout << std::endl;
    if (!r.accepted()) ++failed;
  });
  if (failed) std::cerr << "medgw send: " << failed << " of " << messages.size() << " messages not accepted\n";
  return failed ? 1 : 0;
}

}  // namespace

void add_send_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SendArgs>();
  CLI::App* cmd = app.add_subcommand("send", "Send HL7 v2 messages over MLLP and print each acknowledgement");
  cmd->add_option("--to", args->to, "HOST:PORT of the MLLP listener")->required();
  cmd->add_option("files", args->files, "Files holding one message, several, or a batch")->required();
  cmd->add_flag("--tls", args->tls, "Use TLS");
  cmd->add_option("--ca", args->ca, "CA file to verify the server (implies --tls)");
  cmd->add_option("--cert", args->cert, "Client certificate for mutual TLS (implies --tls)");
  cmd->add_option("--key", args->key, "Client private key");
  cmd->add_option("--server-name", args->server_name, "Name expected in the server certificate (default: HOST)");
  cmd->add_flag("--insecure", args->insecure, "Do not verify the server certificate (tests only)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "Wait this long for each acknowledgement")->check(CLI::Range(1, 3'600'000));
  cmd->add_option("--attempts", args->attempts, "Sends per message before giving up")->check(CLI::Range(1, 100));
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace medgw::cli

// `medgw ack [--mode auto|original|enhanced] FILE`: prints the ACK medgw would send for each
// message in FILE once it is committed (AA/CA), or the rejection (AR/CR with ERR) when it does not
// parse. Exit status 0 when every message would be accepted, 1 when any would not.
#include <CLI/CLI.hpp>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/ack_builder.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::cli {
namespace {

struct AckArgs {
  std::string file;
  std::string mode = "auto";
  std::string charset;
};

// ACK segments printed one per line, as a person reads them.
void print_ack(const hl7v2::Ack& ack) {
  if (!ack.send) {
    std::cout << "(no acknowledgement: " << ack.reason << ")\n";
    return;
  }
  std::string text = ack.text;
  for (char& c : text) {
    if (c == '\r') c = '\n';
  }
  std::cout << text;
}

int run(const AckArgs& args) {
  hl7v2::AckOptions options;
  options.mode = args.mode == "original" ? hl7v2::AckMode::kOriginal
                 : args.mode == "enhanced" ? hl7v2::AckMode::kEnhanced
                                           : hl7v2::AckMode::kAuto;
  hl7v2::ParseOptions parse_options;
  if (!args.charset.empty()) {
    auto cs = hl7v2::find_charset(args.charset);
    if (!cs) {
      std::cerr << "medgw ack: unknown charset '" << args.charset << "'\n";
      return 2;
    }
    parse_options.default_charset = *cs;
  }
  auto data = read_file(args.file);
  if (!data) {
    std::cerr << "medgw ack: " << data.error() << "\n";
    return 2;
  }
  auto file = hl7v2::read_batch(*data);
  if (!file) {
    // Not even the messages can be told apart: one rejection for the whole input.
    auto header = hl7v2::salvage_header(*data).value_or(hl7v2::AckHeader{});
    print_ack(hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {hl7v2::error_from(file.error())}, options));
    return 1;
  }
  int status = 0;
  auto spans = file->all_messages();
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (spans.size() > 1) std::cout << (i ? "\n" : "") << "# message " << i + 1 << " of " << spans.size() << "\n";
    auto m = hl7v2::Message::parse(spans[i].text, parse_options);
    if (!m) {
      status = 1;
      auto header = hl7v2::salvage_header(spans[i].text).value_or(hl7v2::AckHeader{});
      print_ack(hl7v2::build_ack(header, hl7v2::AckOutcome::kRejected, {hl7v2::error_from(m.error())}, options));
      continue;
    }
    print_ack(hl7v2::build_ack(hl7v2::header_of(*m), hl7v2::AckOutcome::kAccepted, {}, options));
  }
  return status;
}

}  // namespace

void add_ack_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AckArgs>();
  CLI::App* cmd = app.add_subcommand("ack", "Print the acknowledgement medgw would send for each message in a file");
  // No CLI::ExistingFile check: run() reports an unreadable file with exit status 2.
  cmd->add_option("file", args->file, "A file holding one message, several, or a batch")->required();
  cmd->add_option("--mode", args->mode, "auto (from MSH-15/16), original (AA/AE/AR) or enhanced (CA/CE/CR)")
      ->check(CLI::IsMember({"auto", "original", "enhanced"}));
  cmd->add_option("--charset", args->charset, "Charset of messages without MSH-18 (e.g. GBK)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace medgw::cli

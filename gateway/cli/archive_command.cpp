// `medgw archive show --config FILE --identifier [SYSTEM|]VALUE`: the health archive of one
// patient — the golden patient holding that identifier, with every encounter, order, report,
// observation, document and study linked to them — printed as a FHIR Bundle (JSON). Reads the CRM
// store the config names; safe while the gateway runs (SQLite WAL readers do not block it).
// The patient index's actions (merges, undo-merge, review, unlink) are registered here too, from
// archive_index_commands.cpp.
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "gateway/cli/archive_index_commands.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/runtime/open_delivery.hpp"

namespace medgw::cli {
namespace {

struct ArchiveArgs {
  std::shared_ptr<std::string> config = std::make_shared<std::string>("deploy/medgw.yaml");
  std::string identifier;
  bool compact = false;
};

std::string pretty(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) return json;
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(out);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

int show(const ArchiveArgs& args) {
  auto cfg = config::load_config(*args.config);
  if (!cfg) {
    std::cerr << "medgw archive: " << cfg.error() << "\n";
    return 2;
  }
  // FHIR token syntax: "system|value", or "value" alone for any system.
  std::string system, value = args.identifier;
  if (const auto bar = args.identifier.find('|'); bar != std::string::npos) {
    system = args.identifier.substr(0, bar);
    value = args.identifier.substr(bar + 1);
  }
  if (value.empty()) {
    std::cerr << "medgw archive: --identifier needs a value ([SYSTEM|]VALUE)\n";
    return 2;
  }
  auto store = runtime::open_crm_store(cfg->crm_store);
  if (!store) {
    std::cerr << "medgw archive: " << store.error() << "\n";
    return 2;
  }
  auto bundle = (*store)->archive_bundle(system, value);
  if (!bundle) {
    std::cerr << "medgw archive: " << bundle.error().message << "\n";
    return 2;
  }
  if (!*bundle) {
    std::cerr << "medgw archive: no patient has identifier " << args.identifier << "\n";
    return 1;
  }
  std::cout << (args.compact ? **bundle : pretty(**bundle)) << "\n";
  return 0;
}

}  // namespace

void add_archive_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ArchiveArgs>();
  CLI::App* cmd =
      app.add_subcommand("archive", "Read the health archive in the CRM store; review and correct its patient index");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  cmd->add_option("--config", *args->config, "The gateway's YAML config")->capture_default_str();
  CLI::App* s = cmd->add_subcommand("show", "A patient's archive as a FHIR Bundle (JSON)");
  s->add_option("--identifier", args->identifier, "[SYSTEM|]VALUE of any of the patient's identifiers")->required();
  s->add_flag("--compact", args->compact, "One line of JSON instead of indented");
  s->callback([args, &exit_code] { exit_code = show(*args); });
  add_archive_index_commands(*cmd, args->config, exit_code);
}

}  // namespace medgw::cli

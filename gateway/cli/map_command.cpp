// `medgw map [--site FILE] [--charset NAME] FILE...`: what the pipeline would make of a message —
// the change set (canonical resources with their keys) as JSON, after the site profile — without a
// gateway or a store. For hospital IT writing a site file, and for vendors checking a mapping.
// Exit status: 0 when every file maps, 1 when one does not (its reason is printed), 2 on usage.
#include <CLI/CLI.hpp>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/read_file.hpp"
#include "gateway/pipeline/message_mapper.hpp"
#include "gateway/runtime/open_delivery.hpp"
#include "mappings/model/change_set_json.hpp"

namespace medgw::cli {
namespace {

struct MapArgs {
  std::string site;
  std::string charset;
  std::vector<std::string> files;
};

int run_map(const MapArgs& args) {
  auto site = runtime::open_site(args.site);
  if (!site) {
    std::cerr << "medgw map: " << site.error() << "\n";
    return 2;
  }
  std::map<std::string, hl7v2::Charset> charsets;
  if (!args.charset.empty()) {
    auto cs = hl7v2::find_charset(args.charset);
    if (!cs || !cs->supported) {
      std::cerr << "medgw map: unknown or unsupported charset '" << args.charset << "'\n";
      return 2;
    }
    charsets.emplace("file", *cs);
  }
  const pipeline::MessageMapper mapper(site->get(), std::move(charsets));
  int status = 0;
  for (const auto& file : args.files) {
    auto raw = read_file(file);
    if (!raw) {
      std::cerr << "medgw map: " << raw.error() << "\n";
      status = 1;
      continue;
    }
    Envelope envelope;
    envelope.source = "file";
    envelope.content_type = kContentTypeHl7v2;
    envelope.raw = std::move(*raw);
    auto changes = mapper.map(envelope);
    if (!changes) {
      std::cerr << file << ": " << pipeline::describe(changes.error()) << "\n";
      status = 1;
      continue;
    }
    std::cout << model::to_json(*changes) << "\n";
  }
  return status;
}

}  // namespace

void add_map_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MapArgs>();
  CLI::App* cmd = app.add_subcommand("map", "Map HL7 v2 files to canonical change sets (JSON), as the pipeline would");
  cmd->add_option("--site", args->site, "A site profile (YAML): identifier types, charsets, code maps, units")
      ->check(CLI::ExistingFile);
  cmd->add_option("--charset", args->charset, "Charset for messages without MSH-18 (when the site names none)");
  cmd->add_option("files", args->files, "HL7 v2 message files")->required()->check(CLI::ExistingFile);
  cmd->callback([args, &exit_code] { exit_code = run_map(*args); });
}

}  // namespace medgw::cli

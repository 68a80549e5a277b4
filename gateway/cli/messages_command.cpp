// `medgw messages list|show|replay --config FILE`: the operator's view of the queue — what
// arrived, what was rejected or parked and why, and replaying a parked message after a fix.
// Works on a stopped gateway (the queue's database is locked while one runs).
#include <openssl/sha.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/runtime/open_queue.hpp"
#include "mappings/hl7v2/ack_builder.hpp"

namespace medgw::cli {
namespace {

struct MessagesArgs {
  std::string config = "deploy/medgw.yaml";
  std::string status = "all";
  std::size_t limit = 100;
  bool tsv = false;
  std::uint64_t id = 0;
};

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char b : digest) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  return hex;
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

Expected<std::unique_ptr<Queue>, std::string> open_from(const std::string& config_path) {
  auto cfg = config::load_config(config_path);
  if (!cfg) return unexpected(cfg.error());
  return runtime::open_queue(cfg->queue);
}

int list(const MessagesArgs& args) {
  std::vector<EnvelopeStatus> statuses;
  const std::vector<std::pair<std::string, EnvelopeStatus>> names = {
      {"ready", EnvelopeStatus::kReady},
      {"parked", EnvelopeStatus::kParked},
      {"delivered", EnvelopeStatus::kDelivered},
      {"rejected", EnvelopeStatus::kRejected}};
  for (const auto& [name, st] : names) {
    if (args.status == "all" || args.status == name) statuses.push_back(st);
  }
  auto q = open_from(args.config);
  if (!q) {
    std::cerr << "medgw messages: " << q.error() << "\n";
    return 2;
  }
  if (args.tsv) std::cout << "id\tstatus\treceived\tsource\tdedupe_key\tbytes\tsha256\treason\n";
  for (EnvelopeStatus st : statuses) {
    for (std::uint64_t id : (*q)->list(st, args.limit)) {
      auto env = (*q)->get(id);
      auto state = (*q)->state(id);
      if (!env || !state) continue;
      if (args.tsv) {
        std::cout << id << '\t' << to_string(state->status) << '\t' << iso_time(env->received_at_ms) << '\t' << env->source
                  << '\t' << env->dedupe_key << '\t' << env->raw.size() << '\t' << sha256_hex(env->raw) << '\t'
                  << state->reason << '\n';
      } else {
        std::printf("%-20llu %-10s %s %-12s %-40s %s\n", static_cast<unsigned long long>(id), to_string(state->status),
                    iso_time(env->received_at_ms).c_str(), env->source.c_str(), env->dedupe_key.c_str(),
                    state->reason.c_str());
      }
    }
  }
  runtime::close_queue(**q);
  return 0;
}

int show(const MessagesArgs& args) {
  auto q = open_from(args.config);
  if (!q) {
    std::cerr << "medgw messages: " << q.error() << "\n";
    return 2;
  }
  auto env = (*q)->get(args.id);
  auto state = (*q)->state(args.id);
  if (!env || !state) {
    std::cerr << "medgw messages: no message with id " << args.id << "\n";
    return 1;
  }
  std::cout << "id:        " << args.id << "\n"
            << "status:    " << to_string(state->status) << "\n"
            << "received:  " << iso_time(env->received_at_ms) << "\n"
            << "source:    " << env->source << "\n"
            << "type:      " << env->content_type << "\n"
            << "dedupe:    " << env->dedupe_key << "\n"
            << "ordering:  " << env->ordering_key << "\n"
            << "attempts:  " << state->attempts << "\n"
            << "reason:    " << state->reason << "\n"
            << "sha256:    " << sha256_hex(env->raw) << "\n"
            << "raw (" << env->raw.size() << " bytes, segments on separate lines):\n";
  std::string raw = env->raw;
  for (char& c : raw) {
    if (c == '\r') c = '\n';
  }
  std::cout << raw << (raw.empty() || raw.back() != '\n' ? "\n" : "");
  runtime::close_queue(**q);
  return 0;
}

int replay(const MessagesArgs& args) {
  auto q = open_from(args.config);
  if (!q) {
    std::cerr << "medgw messages: " << q.error() << "\n";
    return 2;
  }
  std::error_code ec = (*q)->replay(args.id);
  runtime::close_queue(**q);
  if (ec) {
    std::cerr << "medgw messages: cannot replay " << args.id << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "replayed " << args.id << "\n";
  return 0;
}

}  // namespace

void add_messages_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MessagesArgs>();
  CLI::App* cmd = app.add_subcommand("messages", "Browse stored messages: list, show, replay");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --config may come before or after list/show/replay
  cmd->add_option("--config", args->config, "The gateway's YAML config")->capture_default_str();
  CLI::App* l = cmd->add_subcommand("list", "List messages by status");
  l->add_option("--status", args->status, "ready, parked, delivered, rejected or all")
      ->check(CLI::IsMember({"all", "ready", "parked", "delivered", "rejected"}));
  l->add_option("--limit", args->limit, "At most this many per status")->check(CLI::Range(1, 100'000'000));
  l->add_flag("--tsv", args->tsv, "Tab-separated, with the size and SHA-256 of each message's raw bytes");
  l->callback([args, &exit_code] { exit_code = list(*args); });
  CLI::App* s = cmd->add_subcommand("show", "Show one message: its state, reason and raw text");
  s->add_option("id", args->id, "Message id")->required();
  s->callback([args, &exit_code] { exit_code = show(*args); });
  CLI::App* r = cmd->add_subcommand("replay", "Put a parked message back in its patient's queue");
  r->add_option("id", args->id, "Message id")->required();
  r->callback([args, &exit_code] { exit_code = replay(*args); });
}

}  // namespace medgw::cli

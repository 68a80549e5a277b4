// `medgw bench parse [--seconds S] FILE`: parses every message of FILE over and over for S
// seconds, touching MSH-10 and PID-3 (first repetition, first component) in each so nothing stays
// lazy, and prints msgs/s and MB/s in the line format tests/bench/parse_bench.sh compares with the
// peer parsers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::cli {
namespace {

struct BenchArgs {
  std::string file;
  double seconds = 3.0;
  double warmup = 0.5;
};

// One pass over the corpus; returns the checksum (lengths of MSH-10 and PID-3.1) or -1 on error.
long one_pass(const std::vector<hl7v2::MessageSpan>& spans) {
  long checksum = 0;
  for (const auto& span : spans) {
    auto m = hl7v2::Message::parse(span.text);
    if (!m) return -1;
    checksum += static_cast<long>(m->control_id().size());
    if (auto pid = m->find("PID")) checksum += static_cast<long>(pid->field(3).repetition(1).component(1).raw().size());
  }
  return checksum;
}

int run(const BenchArgs& args) {
  auto data = read_file(args.file);
  if (!data) {
    std::cerr << "medgw bench: " << data.error() << "\n";
    return 2;
  }
  auto file = hl7v2::read_batch(*data);
  if (!file) {
    std::cerr << "medgw bench: " << file.error().describe() << "\n";
    return 1;
  }
  auto spans = file->all_messages();
  std::size_t pass_bytes = 0;
  for (const auto& s : spans) pass_bytes += s.text.size();
  if (spans.empty()) {
    std::cerr << "medgw bench: no messages in " << args.file << "\n";
    return 1;
  }
  if (one_pass(spans) < 0) {
    std::cerr << "medgw bench: a message in the corpus does not parse; run medgw parse on it\n";
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  auto warm_end = Clock::now() + std::chrono::duration<double>(args.warmup);
  while (Clock::now() < warm_end) one_pass(spans);

  long checksum = 0;
  std::size_t passes = 0;
  auto t0 = Clock::now();
  auto deadline = t0 + std::chrono::duration<double>(args.seconds);
  Clock::time_point t1;
  do {
    checksum += one_pass(spans);
    ++passes;
    t1 = Clock::now();
  } while (t1 < deadline);
  double elapsed = std::chrono::duration<double>(t1 - t0).count();
  std::size_t n = passes * spans.size();
  std::printf("RESULT name=medgw msgs_per_s=%.1f mb_per_s=%.3f messages=%zu checksum=%ld\n", n / elapsed,
              static_cast<double>(passes * pass_bytes) / elapsed / 1e6, n, checksum);
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks that print their figures");
  bench->require_subcommand(1);
  CLI::App* parse = bench->add_subcommand("parse", "Parse throughput on a corpus file (msgs/s, MB/s)");
  parse->add_option("file", args->file, "A file of messages")->required()->check(CLI::ExistingFile);
  parse->add_option("--seconds", args->seconds, "How long to measure")->check(CLI::PositiveNumber);
  parse->add_option("--warmup", args->warmup, "Untimed warm-up before measuring")->check(CLI::NonNegativeNumber);
  parse->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace medgw::cli

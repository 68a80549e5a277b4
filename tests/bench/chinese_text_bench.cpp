// Per-call cost of the patient index's Chinese-text helpers (they run on every candidate pair the
// scorer compares) and the synthetic population's generation speed. Prints figures; asserts
// nothing. Build type and machine load matter: say which when quoting a figure.
//
//   chinese_text_bench [people] [rounds]   (defaults: 1,000,000 people for the generation figure,
//                                           200 rounds over the inputs per helper)
// Instructions per call, whatever the machine's load: run it under callgrind with few rounds and
// divide a helper's inclusive count by its calls (rounds x inputs), e.g.
//   valgrind --tool=callgrind chinese_text_bench 1000 5 && callgrind_annotate --inclusive=yes ...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mappings/mpi/chinese_name.hpp"
#include "mappings/mpi/phone.hpp"
#include "mappings/mpi/synth/population.hpp"
#include "mappings/mpi/traditional_folder.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int g_rounds = 200;

template <typename F>
void measure(const char* what, const std::vector<std::string>& inputs, F&& f) {
  const int kRounds = g_rounds;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& s : inputs) sink += f(s);
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  const std::size_t calls = static_cast<std::size_t>(kRounds) * inputs.size();
  std::printf("%-44s %8.0f ns/call  (%zu calls, checksum %zu)\n", what, ns / static_cast<double>(calls), calls, sink);
}

// One out-of-line function per helper, so that callgrind reports each one's inclusive count.
#define MEDGW_BENCH_CALL(name, expr) \
  __attribute__((noinline)) std::size_t name(const std::string& s) { return (expr); }
MEDGW_BENCH_CALL(call_fold, medgw::mpi::fold_to_simplified(s).size())
MEDGW_BENCH_CALL(call_pinyin, medgw::mpi::to_pinyin(s).size())
MEDGW_BENCH_CALL(call_split, medgw::mpi::split_chinese_name(s)->family.size())
MEDGW_BENCH_CALL(call_phone, medgw::mpi::normalise_phone(s).size())
__attribute__((noinline)) std::size_t call_pinyin_name(const std::string& f, const std::string& g) {
  return medgw::mpi::to_pinyin_name(f, g).size();
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t people = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  if (argc > 2) g_rounds = std::max(1, std::atoi(argv[2]));
  using namespace medgw::mpi;

  // Inputs: 1,000 names and phones from the synthetic population, and their traditional forms.
  synth::PopulationOptions options;
  options.seed = 2026;
  options.people = 1000;
  options.duplicate_rate = 1.0;
  options.max_duplicates = 1;
  synth::PopulationGenerator sample(options);
  std::vector<std::string> simplified, traditional, phones, families, givens;
  while (auto r = sample.next()) {
    const auto& n = r->patient.name[0];
    if (r->original) {
      simplified.push_back(n.text);
      families.push_back(n.family);
      givens.push_back(n.given[0]);
    } else if (r->corruptions & static_cast<std::uint32_t>(synth::Corruption::kTraditional)) {
      traditional.push_back(n.text);
    }
    phones.push_back(r->patient.telecom[0].value);
  }
  const TraditionalFolder& folder = default_traditional_folder();
  std::printf("inputs: %zu simplified names, %zu traditional, %zu phones\n", simplified.size(), traditional.size(),
              phones.size());

  measure("fold_to_simplified (simplified name)", simplified, call_fold);
  measure("fold_to_simplified (traditional name)", traditional, call_fold);
  measure("TraditionalFolder::may_change (simplified)", simplified, [&](const std::string& s) { return std::size_t(folder.may_change(s)); });
  measure("to_pinyin (simplified name)", simplified, call_pinyin);
  measure("to_pinyin (traditional name)", traditional, call_pinyin);
  std::size_t k = 0;
  measure("to_pinyin_name (family, given)", families, [&](const std::string& f) {
    const std::size_t i = k++ % givens.size();
    return call_pinyin_name(f, givens[i]);
  });
  measure("split_chinese_name", simplified, call_split);
  measure("normalise_phone", phones, call_phone);

  // Generation: distinct people through the stream (no duplicates) and by random access.
  synth::PopulationOptions big;
  big.seed = 1;
  big.people = people;
  big.duplicate_rate = 0;
  auto start = Clock::now();
  synth::PopulationGenerator stream(big);
  std::uint64_t n = 0, bytes = 0;
  while (auto r = stream.next()) {
    ++n;
    bytes += r->patient.name[0].text.size();
  }
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("generate %llu distinct people (stream):   %.2f s, %.0f people/s (checksum %llu)\n",
              static_cast<unsigned long long>(n), s, n / s, static_cast<unsigned long long>(bytes));

  big.duplicate_rate = 0.3;
  big.people = people / 10;
  start = Clock::now();
  synth::PopulationGenerator with_dups(big);
  n = 0;
  while (auto r = with_dups.next()) ++n;
  s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("generate %llu people, 30 %% duplicated:   %.2f s, %llu records, %.0f records/s\n",
              static_cast<unsigned long long>(big.people), s, static_cast<unsigned long long>(n), n / s);
  return 0;
}

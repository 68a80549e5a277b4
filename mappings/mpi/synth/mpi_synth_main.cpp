// mpi_synth: writes the synthetic Chinese population (population.hpp) as CSV with its truth file,
// for inspection and for tools outside C++. Deterministic: the same arguments give the same files.
//
//   mpi_synth --out DIR [--seed N] [--people N] [--duplicate-rate X] [--sites N]
//   -> DIR/records.csv, DIR/truth.csv (columns in csv.hpp)
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "mappings/mpi/synth/csv.hpp"

namespace {

int usage() {
  std::cerr << "usage: mpi_synth --out DIR [--seed N] [--people N] [--duplicate-rate X] [--sites N]\n";
  return 2;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  medgw::mpi::synth::PopulationOptions options;
  std::string out_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string_view value = argv[++i];
    std::uint64_t n = 0;
    if (arg == "--out") {
      out_dir = value;
    } else if (arg == "--seed" && parse_u64(value, n)) {
      options.seed = n;
    } else if (arg == "--people" && parse_u64(value, n)) {
      options.people = n;
    } else if (arg == "--sites" && parse_u64(value, n) && n >= 1 && n <= 26) {
      options.sites = static_cast<unsigned>(n);
    } else if (arg == "--duplicate-rate") {
      char* end = nullptr;
      const std::string text(value);
      options.duplicate_rate = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size() || options.duplicate_rate < 0 || options.duplicate_rate > 1) return usage();
    } else {
      return usage();
    }
  }
  if (out_dir.empty()) return usage();
  try {
    std::filesystem::create_directories(out_dir);
    std::ofstream records(std::filesystem::path(out_dir) / "records.csv");
    std::ofstream truth(std::filesystem::path(out_dir) / "truth.csv");
    if (!records || !truth) {
      std::cerr << "mpi_synth: cannot write to " << out_dir << "\n";
      return 1;
    }
    medgw::mpi::synth::PopulationGenerator generator(options);
    const auto counts = medgw::mpi::synth::write_population_csv(generator, records, truth);
    records.close();
    truth.close();
    if (!records || !truth) {
      std::cerr << "mpi_synth: write failed in " << out_dir << "\n";
      return 1;
    }
    std::cout << "mpi_synth: " << counts.records << " records of " << counts.originals << " people in " << out_dir
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "mpi_synth: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

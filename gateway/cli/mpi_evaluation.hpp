#pragma once
// `medgw mpi evaluate` and `medgw mpi bench` (mpi_matching_commands.cpp registers them).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace medgw::cli {

struct EvaluateArgs {
  std::string febrl_dir;                       // FEBRL datasets, or
  std::optional<std::uint64_t> chinese_people; // the synthetic Chinese population (mpi/synth) of N people
  std::uint64_t seed = 1;                      // of the Chinese population
  bool train = false;
  bool print_model = false;
  std::optional<double> link_threshold;
  std::optional<double> review_threshold;
  std::vector<std::string> datasets{"dataset1", "dataset2", "dataset3"};
};

// Each FEBRL dataset streamed one record at a time (one change set per store transaction, in file
// order) through the real resolver into an empty SQLite store in a temporary directory. Prints
// per dataset the pairwise precision, recall and F1 of the automatic links, the records sent to
// review and how many true links those reviews would find. 0 when every dataset ran.
int evaluate_febrl(const EvaluateArgs& args);

// The synthetic Chinese population (mappings/mpi/synth: homophones, traditional and pinyin
// spellings, swapped birth dates, missing or corrupted national IDs, changed phones and
// addresses, each duplicate with its truth) streamed the same way into an empty store. Prints the
// same figures, and per corruption kind how many duplicates were linked to their person, went to
// review naming their person first, or were missed.
int evaluate_chinese(const EvaluateArgs& args);

struct BenchArgs {
  std::size_t patients = 100000;
  std::size_t records = 5000;
  std::size_t load_batch = 1000;
  std::size_t stream_batch = 1;        // records per transaction while streaming
  std::string population = "latin";    // latin (syllable names) | chinese (mpi/synth)
  std::string dir;
};

// Generates `patients` synthetic patients into a fresh store (batches of load_batch per
// transaction), then streams `records` more (half of them new corrupted records of indexed
// patients, half new people), stream_batch change sets per transaction, timing each. Prints
// records/s, p50/p99/max latency and peak RSS.
int bench_matching(const BenchArgs& args);

}  // namespace medgw::cli

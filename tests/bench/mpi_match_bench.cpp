// The patient index's measurements without the rest of the gateway (the same code as
// `medgw mpi evaluate` and `medgw mpi bench`, gateway/cli/mpi_evaluation.hpp):
//   mpi_match_bench evaluate DIR [--train] [DATASET...]
//   mpi_match_bench bench PATIENTS [RECORDS] [--stream-batch=B] [--chinese]
#include <cstdlib>
#include <iostream>
#include <string>

#include "gateway/cli/mpi_evaluation.hpp"

int main(int argc, char** argv) {
  const std::string usage = "usage: mpi_match_bench evaluate DIR [--train] [DATASET...] | bench PATIENTS [RECORDS] [--stream-batch=B] [--chinese]\n";
  if (argc < 3) {
    std::cerr << usage;
    return 2;
  }
  const std::string what = argv[1];
  if (what == "evaluate") {
    medgw::cli::EvaluateArgs args;
    args.febrl_dir = argv[2];
    std::vector<std::string> datasets;
    for (int i = 3; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--train") {
        args.train = true;
      } else if (a.rfind("--link=", 0) == 0) {
        args.link_threshold = std::atof(a.c_str() + 7);
      } else if (a.rfind("--review=", 0) == 0) {
        args.review_threshold = std::atof(a.c_str() + 9);
      } else {
        datasets.push_back(a);
      }
    }
    if (!datasets.empty()) args.datasets = datasets;
    return medgw::cli::evaluate_febrl(args);
  }
  if (what == "bench") {
    medgw::cli::BenchArgs args;
    args.patients = std::strtoull(argv[2], nullptr, 10);
    if (argc > 3) args.records = std::strtoull(argv[3], nullptr, 10);
    for (int i = 4; i < argc; ++i) {
      const std::string a = argv[i];
      if (a.rfind("--stream-batch=", 0) == 0) {
        args.stream_batch = std::strtoull(a.c_str() + 15, nullptr, 10);
      } else if (a == "--chinese") {
        args.population = "chinese";
      } else {
        std::cerr << usage;
        return 2;
      }
    }
    return medgw::cli::bench_matching(args);
  }
  std::cerr << usage;
  return 2;
}

// The matching subcommands of `medgw mpi` (mpi_commands.hpp):
//   medgw mpi [--config FILE] model              the match model in use, as reviewable JSON
//   medgw mpi [--config FILE] train [--dry-run] [--link-threshold T] [--review-threshold T]
//                                                EM over the store's source records; stores and
//                                                prints a new model version
//   medgw mpi evaluate --febrl DIR [--train]     FEBRL datasets 1-3 streamed through the real
//                                                resolver into empty stores: precision, recall,
//                                                F1, reviews
//   medgw mpi evaluate --chinese N [--seed S]    the same over N synthetic Chinese people and
//                                                their corrupted duplicates, per corruption kind
//   medgw mpi bench --patients N [--records M] [--stream-batch B] [--population latin|chinese]
//                                                generated index of N patients, then M records
//                                                streamed: records/s, p50/p99, peak RSS
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/cli/mpi_commands.hpp"
#include "gateway/cli/mpi_evaluation.hpp"
#include "gateway/config/config.hpp"
#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/match_training.hpp"

namespace medgw::cli {
namespace {

using crmstore::SqliteCrmStore;

// An operator's command never creates a store: a mistyped path must not look like an empty index.
Expected<std::unique_ptr<SqliteCrmStore>, std::string> open_existing_store(const std::string& config_path) {
  auto cfg = config::load_config(config_path);
  if (!cfg) return unexpected(cfg.error());
  const std::string& path = cfg->crm_store.path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return unexpected("no CRM store at '" + path + "' (crm_store.path in " + config_path + ")");
  }
  auto store = SqliteCrmStore::open(path);
  if (!store) return unexpected("cannot open the CRM store '" + path + "': " + store.error());
  return std::move(*store);
}

int show_model(const std::string& config) {
  auto store = open_existing_store(config);
  if (!store) {
    std::cerr << "medgw mpi model: " << store.error() << "\n";
    return 2;
  }
  std::cout << mpi::to_json((*store)->match_model());
  return 0;
}

struct TrainArgs {
  bool dry_run = false;
  std::optional<double> link_threshold;
  std::optional<double> review_threshold;
  std::size_t max_block = mpi::TrainingOptions{}.max_block;
};

int train(const std::string& config, const TrainArgs& args) {
  auto store = open_existing_store(config);
  if (!store) {
    std::cerr << "medgw mpi train: " << store.error() << "\n";
    return 2;
  }
  auto records = (*store)->match_features_of_records();
  if (!records) {
    std::cerr << "medgw mpi train: " << records.error().message << "\n";
    return 2;
  }
  if (records->size() < 2) {
    std::cerr << "medgw mpi train: the store holds " << records->size() << " comparable source records; nothing to learn from\n";
    return 1;
  }
  // EM starts from the built-in m and u (they say which class is which); the thresholds in use stay.
  mpi::MatchModel model = mpi::default_match_model();
  const mpi::MatchModel& in_use = (*store)->match_model();
  const double margin = in_use.same_authority_link_threshold - in_use.link_threshold;
  model.link_threshold = in_use.link_threshold;
  model.review_threshold = in_use.review_threshold;
  if (args.link_threshold) model.link_threshold = *args.link_threshold;
  if (args.review_threshold) model.review_threshold = *args.review_threshold;
  model.same_authority_link_threshold = model.link_threshold + margin;  // the margin follows the link threshold
  mpi::TrainingOptions options;
  options.max_block = args.max_block;
  const mpi::TrainingReport report = mpi::train_match_model(model, *records, options);
  model.description = "EM over " + std::to_string(report.records) + " source records, " +
                      std::to_string(report.pairs) + " candidate pairs" +
                      (report.em.converged ? "" : " (EM stopped before converging)");
  std::cerr << "medgw mpi train: " << report.records << " records, " << report.pairs << " candidate pairs ("
            << report.patterns << " patterns, " << report.skipped_blocks << " blocks over " << args.max_block
            << " records skipped), EM " << (report.em.converged ? "converged" : "did not converge") << " after "
            << report.em.iterations << " iterations\n";
  if (!args.dry_run) {
    auto version = (*store)->save_match_model(model);
    if (!version) {
      std::cerr << "medgw mpi train: " << version.error().message << "\n";
      return 2;
    }
    model.version = *version;
    std::cerr << "medgw mpi train: stored as version " << *version << "; the gateway uses it from its next start\n";
  }
  std::cout << mpi::to_json(model);
  return 0;
}

}  // namespace

void add_mpi_matching_commands(CLI::App& mpi, std::shared_ptr<const std::string> config, int& exit_code) {
  CLI::App* model = mpi.add_subcommand("model", "Print the match model in use (JSON: fields, levels, m, u, weights)");
  model->callback([config, &exit_code] { exit_code = show_model(*config); });

  auto train_args = std::make_shared<TrainArgs>();
  CLI::App* t = mpi.add_subcommand("train", "Estimate m and u by EM over the store's source records; store a new model version");
  t->add_flag("--dry-run", train_args->dry_run, "Print the estimated model without storing it");
  t->add_option("--max-block", train_args->max_block, "Skip blocks with more records than this")->capture_default_str();
  t->add_option("--link-threshold", train_args->link_threshold, "Link threshold of the new version (default: the one in use)");
  t->add_option("--review-threshold", train_args->review_threshold, "Review threshold of the new version (default: the one in use)");
  t->callback([config, train_args, &exit_code] { exit_code = train(*config, *train_args); });

  auto eval_args = std::make_shared<EvaluateArgs>();
  CLI::App* e = mpi.add_subcommand("evaluate", "Stream FEBRL datasets through the resolver into empty stores; print precision, recall, F1");
  auto* febrl = e->add_option("--febrl", eval_args->febrl_dir, "Directory with dataset1.csv .. dataset3.csv");
  auto* chinese = e->add_option("--chinese", eval_args->chinese_people,
                                "Instead: the synthetic Chinese population of N people (1..1000000), with its truth");
  febrl->excludes(chinese);
  e->add_option("--seed", eval_args->seed, "Seed of the Chinese population")->capture_default_str()->needs(chinese);
  e->add_flag("--train", eval_args->train, "First estimate the model by EM over each dataset (no truth used), then stream");
  e->add_option("--link-threshold", eval_args->link_threshold, "Override the model's link threshold");
  e->add_option("--review-threshold", eval_args->review_threshold, "Override the model's review threshold");
  e->add_option("--datasets", eval_args->datasets, "Which datasets (default: dataset1 dataset2 dataset3)");
  e->add_flag("--print-model", eval_args->print_model, "Print each model used (JSON) to stderr");
  e->callback([eval_args, febrl, chinese, &exit_code] {
    if (febrl->count() == 0 && chinese->count() == 0) {
      std::cerr << "medgw mpi evaluate: --febrl DIR or --chinese N is required\n";
      exit_code = 2;
      return;
    }
    exit_code = chinese->count() != 0 ? evaluate_chinese(*eval_args) : evaluate_febrl(*eval_args);
  });

  auto bench_args = std::make_shared<BenchArgs>();
  CLI::App* b = mpi.add_subcommand("bench", "Index N generated patients, then stream records through the resolver: records/s, p50/p99, peak RSS");
  b->add_option("--patients", bench_args->patients, "Golden patients generated into the index")->capture_default_str();
  b->add_option("--records", bench_args->records, "Records streamed and timed")->capture_default_str();
  b->add_option("--load-batch", bench_args->load_batch, "Patients per transaction while loading")->capture_default_str();
  b->add_option("--stream-batch", bench_args->stream_batch, "Records per transaction while streaming (the pipeline batches)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  b->add_option("--population", bench_args->population, "latin (syllable names) or chinese (the synthetic population)")
      ->capture_default_str()
      ->check(CLI::IsMember({"latin", "chinese"}));
  b->add_option("--dir", bench_args->dir, "Where the store file goes (default: a temporary directory, removed after)");
  b->callback([bench_args, &exit_code] { exit_code = bench_matching(*bench_args); });
}

}  // namespace medgw::cli

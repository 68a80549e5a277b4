#include "gateway/cli/mpi_evaluation.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <rapidjson/document.h>
#include <set>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/cli/febrl_records.hpp"
#include "gateway/cli/linkage_metrics.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/match_training.hpp"

namespace medgw::cli {
namespace {

using crmstore::SqliteCrmStore;

// A directory of its own under the system's temporary directory, removed when done.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) {
    path = std::filesystem::temp_directory_path() /
           ("medgw-mpi-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::vector<std::int64_t> golden_ids(const rapidjson::Value& array) {
  std::vector<std::int64_t> out;
  if (!array.IsArray()) return out;
  for (const auto& v : array.GetArray()) {
    if (v.IsInt64()) out.push_back(v.GetInt64());
  }
  return out;
}

int evaluate_one(const EvaluateArgs& args, const std::string& name) {
  const std::string path = (std::filesystem::path(args.febrl_dir) / (name + ".csv")).string();
  auto records = read_febrl(path);
  if (!records) {
    std::cerr << "medgw mpi evaluate: " << records.error() << "\n";
    return 2;
  }
  TempDir dir(name);
  auto store = SqliteCrmStore::open((dir.path / "crm.sqlite").string());
  if (!store) {
    std::cerr << "medgw mpi evaluate: " << store.error() << "\n";
    return 2;
  }
  mpi::MatchModel model = (*store)->match_model();
  std::string trained_note;
  if (args.train) {
    // Unsupervised: the records' values only, never rec_id or the true matches.
    std::vector<mpi::MatchFeatures> features;
    features.reserve(records->size());
    for (const auto& r : *records) features.push_back(mpi::match_features(r.record.patient));
    const auto report = mpi::train_match_model(model, features);
    trained_note = ", EM " + std::to_string(report.pairs) + " pairs, " + std::to_string(report.em.iterations) +
                   " iterations" + (report.em.converged ? "" : " (not converged)");
  }
  if (args.link_threshold) model.link_threshold = *args.link_threshold;
  if (args.review_threshold) model.review_threshold = *args.review_threshold;
  if (args.train || args.link_threshold || args.review_threshold) {
    auto saved = (*store)->save_match_model(model);
    if (!saved) {
      std::cerr << "medgw mpi evaluate: " << saved.error().message << "\n";
      return 2;
    }
  }
  if (args.print_model) std::cerr << mpi::to_json((*store)->match_model());

  // Streaming: one change set per apply() (one transaction, one fsync), in file order.
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t envelope = 0;
  for (const auto& r : *records) {
    model::ChangeSet cs;
    cs.message_type = "ADT^A04";
    cs.sender = r.record.sender;
    cs.patient = r.record;
    const crmstore::ChangeItem item{++envelope, &cs};
    auto applied = (*store)->apply(std::span<const crmstore::ChangeItem>(&item, 1));
    if (!applied) {
      std::cerr << "medgw mpi evaluate: " << name << ": record " << envelope << ": " << applied.error().message << "\n";
      return 2;
    }
    if ((*applied)[0].status != crmstore::ApplyStatus::kApplied) {
      std::cerr << "medgw mpi evaluate: " << name << ": record " << envelope << " refused: " << (*applied)[0].reason
                << "\n";
      return 2;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto links = (*store)->source_record_links();
  auto tasks = (*store)->list_review_tasks(true);
  if (!links || !tasks) {
    std::cerr << "medgw mpi evaluate: cannot read the result\n";
    return 2;
  }
  std::map<std::int64_t, std::string> entity_of_record;
  std::map<std::int64_t, std::int64_t> golden_of_record;
  std::vector<std::string> truth;
  std::vector<std::int64_t> predicted;
  for (const auto& l : *links) {
    entity_of_record[l.source_record] = febrl_entity(l.key_value);
    golden_of_record[l.source_record] = l.golden;
    truth.push_back(febrl_entity(l.key_value));
    predicted.push_back(l.golden);
  }
  const PairwiseMetrics m = pairwise_metrics(truth, predicted);

  // Reviews: records given their own golden patient and a task naming candidates. A review "finds"
  // a true match when the first candidate it names holds a record of the same person.
  std::map<std::int64_t, std::set<std::string>> entities_of_golden;
  for (const auto& [record, golden] : golden_of_record) entities_of_golden[golden].insert(entity_of_record[record]);
  std::size_t probable_tasks = 0, right_first_candidate = 0;
  for (const auto& t : *tasks) {
    if (t.kind != mpi::kReviewProbableMatch) continue;
    ++probable_tasks;
    rapidjson::Document others;
    others.Parse(t.other_goldens.c_str());
    const auto ids = golden_ids(others);
    if (!ids.empty() && entities_of_golden[ids.front()].count(entity_of_record[t.source_record]) != 0) {
      ++right_first_candidate;
    }
  }
  const mpi::MatchModel& used = (*store)->match_model();
  std::printf("%s: %zu records, %llu true pairs; model %s (link %.1f, review %.1f%s)\n", name.c_str(), records->size(),
              static_cast<unsigned long long>(m.true_pairs),
              used.version == 0 ? "built-in default" : ("v" + std::to_string(used.version)).c_str(),
              used.link_threshold, used.review_threshold, trained_note.c_str());
  std::printf("  auto-link: precision %.4f  recall %.4f  F1 %.4f  (%llu of %llu predicted pairs correct)\n",
              m.precision(), m.recall(), m.f1(), static_cast<unsigned long long>(m.correct_pairs),
              static_cast<unsigned long long>(m.predicted_pairs));
  std::printf("  review: %zu records sent to review; %zu name a record of the same person first\n", probable_tasks,
              right_first_candidate);
  std::printf("  streamed in %.1f s (%.0f records/s, one transaction and fsync per record)\n", seconds,
              static_cast<double>(records->size()) / seconds);
  return 0;
}

}  // namespace

int evaluate_febrl(const EvaluateArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_directory(args.febrl_dir, ec)) {
    std::cerr << "medgw mpi evaluate: no directory " << args.febrl_dir << "\n";
    return 2;
  }
  int rc = 0;
  for (const auto& name : args.datasets) {
    if (int r = evaluate_one(args, name); r != 0) rc = r;
  }
  return rc;
}

}  // namespace medgw::cli

#include "gateway/cli/mpi_evaluation.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <algorithm>
#include <map>
#include <rapidjson/document.h>
#include <set>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/cli/febrl_records.hpp"
#include "gateway/cli/linkage_metrics.hpp"
#include "mappings/mpi/identity.hpp"
#include "mappings/mpi/index_store.hpp"
#include "mappings/mpi/match_model_json.hpp"
#include "mappings/mpi/match_training.hpp"
#include "mappings/mpi/synth/population.hpp"

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

// A record to stream with its truth: who the person is, and for synthetic duplicates what was
// corrupted (mpi::synth::Corruption bits; 0 for an original or a FEBRL record).
struct LabelledRecord {
  model::PatientRecord record;
  std::string entity;
  std::uint32_t corruptions = 0;
  bool duplicate = false;
};

// The source record's key as SourceRecordLink names it.
std::string record_key(const std::string& sender, const std::string& key_value) { return sender + "\x1f" + key_value; }

// Per corruption kind: duplicates with it, linked to their person, reviewed with their person
// named first, missed.
void print_corruption_breakdown(const std::vector<LabelledRecord>& records,
                                const std::map<std::string, std::int64_t>& golden_of_key,
                                const std::map<std::int64_t, std::vector<std::string>>& entities_of_golden,
                                const std::map<std::string, std::int64_t>& first_candidate_of_key) {
  struct Counts {
    std::size_t total = 0, linked = 0, reviewed = 0;
  };
  std::vector<Counts> by_kind(mpi::synth::kCorruptionKinds);
  Counts all;
  auto other_of_person_in = [&](std::int64_t golden, const std::string& entity) {
    auto it = entities_of_golden.find(golden);
    if (it == entities_of_golden.end()) return false;
    return std::count(it->second.begin(), it->second.end(), entity) >= 2;
  };
  auto holds_person = [&](std::int64_t golden, const std::string& entity) {
    auto it = entities_of_golden.find(golden);
    return it != entities_of_golden.end() && std::find(it->second.begin(), it->second.end(), entity) != it->second.end();
  };
  for (const auto& r : records) {
    if (!r.duplicate) continue;
    const auto key = mpi::source_key(r.record.patient.identifier);
    if (!key) continue;
    const std::string k = record_key(r.record.sender, key->value);
    const auto golden = golden_of_key.find(k);
    if (golden == golden_of_key.end()) continue;
    const bool linked = other_of_person_in(golden->second, r.entity);
    const auto candidate = first_candidate_of_key.find(k);
    const bool reviewed = !linked && candidate != first_candidate_of_key.end() && holds_person(candidate->second, r.entity);
    auto count_in = [&](Counts& c) {
      ++c.total;
      c.linked += linked ? 1 : 0;
      c.reviewed += reviewed ? 1 : 0;
    };
    count_in(all);
    for (std::uint32_t bit = 0; bit < mpi::synth::kCorruptionKinds; ++bit) {
      if ((r.corruptions & (1u << bit)) != 0) count_in(by_kind[bit]);
    }
  }
  auto line = [](std::string_view what, const Counts& c) {
    std::printf("  %-24.*s %6zu duplicates: %6zu linked, %6zu to review naming their person first, %6zu missed\n",
                static_cast<int>(what.size()), what.data(), c.total, c.linked, c.reviewed,
                c.total - c.linked - c.reviewed);
  };
  line("every duplicate", all);
  for (std::uint32_t bit = 0; bit < mpi::synth::kCorruptionKinds; ++bit) {
    line(mpi::synth::corruption_name(static_cast<mpi::synth::Corruption>(1u << bit)), by_kind[bit]);
  }
}

int evaluate_one(const EvaluateArgs& args, const std::string& name, const std::vector<LabelledRecord>& records,
                 bool breakdown) {
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
    features.reserve(records.size());
    for (const auto& r : records) features.push_back(mpi::match_features(r.record.patient));
    const auto report = mpi::train_match_model(model, features);
    trained_note = ", EM " + std::to_string(report.pairs) + " pairs, " + std::to_string(report.em.iterations) +
                   " iterations" + (report.em.converged ? "" : " (not converged)");
  }
  const double margin = model.same_authority_link_threshold - model.link_threshold;
  if (args.link_threshold) model.link_threshold = *args.link_threshold;
  if (args.review_threshold) model.review_threshold = *args.review_threshold;
  model.same_authority_link_threshold = model.link_threshold + margin;  // the margin follows the link threshold
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
  for (const auto& r : records) {
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
  std::map<std::string, std::string> entity_of_key;
  for (const auto& r : records) {
    if (const auto key = mpi::source_key(r.record.patient.identifier)) {
      entity_of_key[record_key(r.record.sender, key->value)] = r.entity;
    }
  }
  std::map<std::int64_t, std::string> entity_of_record;
  std::map<std::int64_t, std::int64_t> golden_of_record;
  std::map<std::string, std::int64_t> golden_of_key;
  std::map<std::int64_t, std::string> key_of_record;
  std::vector<std::string> truth;
  std::vector<std::int64_t> predicted;
  for (const auto& l : *links) {
    const std::string k = record_key(l.sender, l.key_value);
    const std::string& entity = entity_of_key[k];
    entity_of_record[l.source_record] = entity;
    golden_of_record[l.source_record] = l.golden;
    golden_of_key[k] = l.golden;
    key_of_record[l.source_record] = k;
    truth.push_back(entity);
    predicted.push_back(l.golden);
  }
  const PairwiseMetrics m = pairwise_metrics(truth, predicted);

  // Reviews: records given their own golden patient and a task naming candidates. A review "finds"
  // a true match when the first candidate it names holds a record of the same person.
  std::map<std::int64_t, std::vector<std::string>> entities_of_golden;
  for (const auto& [record, golden] : golden_of_record) entities_of_golden[golden].push_back(entity_of_record[record]);
  std::map<std::string, std::int64_t> first_candidate_of_key;
  std::size_t probable_tasks = 0, right_first_candidate = 0;
  for (const auto& t : *tasks) {
    if (t.kind != mpi::kReviewProbableMatch) continue;
    ++probable_tasks;
    rapidjson::Document others;
    others.Parse(t.other_goldens.c_str());
    const auto ids = golden_ids(others);
    if (ids.empty()) continue;
    first_candidate_of_key[key_of_record[t.source_record]] = ids.front();
    const auto& there = entities_of_golden[ids.front()];
    if (std::find(there.begin(), there.end(), entity_of_record[t.source_record]) != there.end()) {
      ++right_first_candidate;
    }
  }
  const mpi::MatchModel& used = (*store)->match_model();
  std::printf("%s: %zu records, %llu true pairs; model %s (link %.1f, review %.1f%s)\n", name.c_str(), records.size(),
              static_cast<unsigned long long>(m.true_pairs),
              used.version == 0 ? "built-in default" : ("v" + std::to_string(used.version)).c_str(),
              used.link_threshold, used.review_threshold, trained_note.c_str());
  std::printf("  auto-link: precision %.4f  recall %.4f  F1 %.4f  (%llu of %llu predicted pairs correct)\n",
              m.precision(), m.recall(), m.f1(), static_cast<unsigned long long>(m.correct_pairs),
              static_cast<unsigned long long>(m.predicted_pairs));
  std::printf("  review: %zu records sent to review; %zu name a record of the same person first\n", probable_tasks,
              right_first_candidate);
  std::printf("  streamed in %.1f s (%.0f records/s, one transaction and fsync per record)\n", seconds,
              static_cast<double>(records.size()) / seconds);
  if (breakdown) print_corruption_breakdown(records, golden_of_key, entities_of_golden, first_candidate_of_key);
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
    const std::string path = (std::filesystem::path(args.febrl_dir) / (name + ".csv")).string();
    auto febrl = read_febrl(path);
    if (!febrl) {
      std::cerr << "medgw mpi evaluate: " << febrl.error() << "\n";
      rc = 2;
      continue;
    }
    std::vector<LabelledRecord> records;
    records.reserve(febrl->size());
    for (auto& r : *febrl) records.push_back({std::move(r.record), febrl_entity(r.rec_id), 0, false});
    if (int r = evaluate_one(args, name, records, false); r != 0) rc = r;
  }
  return rc;
}

int evaluate_chinese(const EvaluateArgs& args) {
  constexpr std::uint64_t kMaxPeople = 1'000'000;  // in memory as one vector while streamed
  if (!args.chinese_people || *args.chinese_people == 0 || *args.chinese_people > kMaxPeople) {
    std::cerr << "medgw mpi evaluate: --chinese takes 1.." << kMaxPeople << " people\n";
    return 2;
  }
  mpi::synth::PopulationOptions options;
  options.seed = args.seed;
  options.people = *args.chinese_people;
  mpi::synth::PopulationGenerator generator(options);
  std::vector<LabelledRecord> records;
  while (auto r = generator.next()) {
    model::PatientRecord record;
    record.sender = r->site;
    record.patient = std::move(r->patient);
    records.push_back({std::move(record), std::move(r->person_id), r->corruptions, !r->original});
  }
  return evaluate_one(args, "chinese-" + std::to_string(options.people) + "-seed" + std::to_string(options.seed),
                      records, true);
}

}  // namespace medgw::cli

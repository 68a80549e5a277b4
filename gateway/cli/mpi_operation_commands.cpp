// The operator's actions on the patient index (issue 7), under `medgw mpi`:
//
//   medgw mpi review   [--all] [--json]
//   medgw mpi link     SOURCE_RECORD GOLDEN   --by NAME --reason TEXT [--json]
//   medgw mpi unlink   SOURCE_RECORD          --by NAME --reason TEXT [--json]
//   medgw mpi merge    FROM_GOLDEN INTO_GOLDEN --by NAME --reason TEXT [--json]
//   medgw mpi unmerge  MERGE_ID               --by NAME --reason TEXT [--json]
//   medgw mpi distinct GOLDEN_A GOLDEN_B      --by NAME --reason TEXT [--json]
//   medgw mpi undo     OPERATION_ID           --by NAME --reason TEXT [--json]
//   medgw mpi history  --golden ID [--json]
//
// (--config FILE, before or after the subcommand: the gateway config whose crm_store is used.)
//
// review lists the open review tasks (--all: closed ones too), each with the source record and the
// golden patient it was compared with side by side — name, birth date, gender, identifiers, phone,
// address — and the matcher's field scores when the task has them. Unlike every other command here
// it prints demographics: comparing them is what a reviewer is for. It is a terminal for an
// authorised operator, never a log; the actions print ids only.
//
// Every action is one transaction in the CRM store, written to the operations log with --by and
// --reason (index_operations.hpp), and reversible: unmerge undoes a merge, undo any link, unlink or
// distinct mark (or a merge). Exit status: 0 done, 1 refused or not found (the reason on stderr),
// 2 usage, config or store error. Safe while the gateway runs (SQLite WAL; each action is one short
// transaction the gateway's next write waits for).
#include <rapidjson/document.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/crmstore/index_json.hpp"
#include "adapters/crmstore/patient_fields.hpp"
#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/cli/mpi_commands.hpp"
#include "gateway/config/config.hpp"

namespace medgw::cli {
namespace {

using crmstore::PatientFields;
using crmstore::patient_fields;
using crmstore::SqliteCrmStore;

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kError = 2;

struct OperationArgs {
  std::shared_ptr<const std::string> config;
  std::string config_here;  // --config given after the subcommand
  std::int64_t first = 0, second = 0;
  std::string by, reason;
  bool all = false;
  bool json = false;
  const std::string& config_path() const { return config_here.empty() ? *config : config_here; }
};

int fail(int code, const std::string& message) {
  std::cerr << "medgw mpi: " << message << "\n";
  return code;
}

// An operator's command never creates the store: a mistyped path must not look like an empty index.
Expected<std::unique_ptr<SqliteCrmStore>, std::string> open_store(const std::string& config_path) {
  auto cfg = config::load_config(config_path);
  if (!cfg) return unexpected(cfg.error());
  const std::string& path = cfg->crm_store.path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return unexpected("no CRM store at '" + path + "' (crm_store.path in " + config_path +
                      "); it is created when the gateway first starts");
  }
  auto store = SqliteCrmStore::open(path, cfg->crm_store.survivorship);
  if (!store) return unexpected("cannot open the CRM store '" + path + "': " + store.error());
  return std::move(*store);
}

std::string join(const std::vector<std::string>& items, const char* sep, const char* empty = "-") {
  if (items.empty()) return empty;
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> s;
  for (auto id : ids) s.push_back(std::to_string(id));
  return join(s, ",");
}

// A refusal (not retryable) is the operator's to act on (exit 1); anything else is the store's (2).
int store_failure(const crmstore::StoreError& e) {
  return fail(e.retryable ? kError : kRefused, e.retryable ? "the CRM store is busy or failing: " + e.message : e.message);
}

// ---- review ----

// The matcher's field scores (a JSON object of numbers, possibly one level nested), flattened to
// "field=score" for the table.
std::vector<std::pair<std::string, std::string>> flat_scores(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  if (json.empty()) return out;
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject()) return out;
  auto number = [](const rapidjson::Value& v) -> std::optional<std::string> {
    if (!v.IsNumber()) return std::nullopt;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v.GetDouble());
    return std::string(buf);
  };
  for (const auto& m : d.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (auto n = number(m.value)) {
      out.emplace_back(key, *n);
    } else if (m.value.IsObject()) {
      for (const auto& sub : m.value.GetObject()) {
        if (auto n2 = number(sub.value)) out.emplace_back(key + "." + sub.name.GetString(), *n2);
      }
    }
  }
  return out;
}

void print_task(const SqliteCrmStore::ReviewView& v, bool with_status) {
  const auto& t = v.task;
  std::cout << "review task " << t.id << "  " << t.kind << (with_status ? "  " + t.status : "") << "  " << t.created
            << "\n  " << t.reason << "\n";
  const PatientFields rec = v.record ? patient_fields(v.record->json) : PatientFields{};
  // The record beside the first candidate the task names (for a probable match, its own golden
  // patient is only the record itself); beside its golden patient when the task names none.
  const SqliteCrmStore::PatientView* beside = !v.candidates.empty() ? &v.candidates[0] : v.golden ? &*v.golden : nullptr;
  const PatientFields gold = beside ? patient_fields(beside->json) : PatientFields{};
  const std::string left = "SOURCE RECORD " + std::to_string(t.source_record) + (v.record ? " (" + v.record->sender + ")" : " (gone)");
  std::cout << "  linked to golden patient " << (v.golden ? v.golden->id : t.golden) << "\n";
  std::string right = (v.candidates.empty() ? "GOLDEN PATIENT " : "CANDIDATE ") +
                      std::to_string(v.candidates.empty() ? t.golden : v.candidates[0].id);
  if (v.candidates.empty() && v.golden && v.golden->id != t.golden) {
    right += " (merged into " + std::to_string(v.golden->id) + ")";
  }
  const std::vector<std::array<std::string, 3>> rows{
      {"FIELD", left, right},
      {"name", rec.name, gold.name},
      {"birth date", rec.birth_date, gold.birth_date},
      {"gender", rec.gender, gold.gender},
      {"identifiers", join(rec.identifiers, ", "), join(gold.identifiers, ", ")},
      {"phone", join(rec.phones, ", "), join(gold.phones, ", ")},
      {"address", join(rec.addresses, "; "), join(gold.addresses, "; ")},
  };
  std::size_t w0 = 0, w1 = 0;
  for (const auto& r : rows) {
    w0 = std::max(w0, r[0].size());
    w1 = std::max(w1, r[1].size());
  }
  for (const auto& r : rows) {
    const std::string a = r[0].empty() ? "-" : r[0], b = r[1].empty() ? "-" : r[1], c = r[2].empty() ? "-" : r[2];
    std::cout << "  " << a << std::string(w0 - std::min(w0, a.size()) + 2, ' ') << b
              << std::string(w1 - std::min(w1, b.size()) + 2, ' ') << c << "\n";
  }
  const auto others = crmstore::parse_id_array(t.other_goldens);
  if (!others.empty()) std::cout << "  other candidates: golden patients " << join_ids(others) << "\n";
  const auto scores = flat_scores(t.field_scores);
  if (!scores.empty()) {
    std::vector<std::string> parts;
    for (const auto& [k, s] : scores) parts.push_back(k + "=" + s);
    std::cout << "  field scores: " << join(parts, " ") << "\n";
  }
}

int review(const OperationArgs& args) {
  auto store = open_store(args.config_path());
  if (!store) return fail(kError, store.error());
  auto views = (*store)->review_views(!args.all);
  if (!views) return store_failure(views.error());
  if (args.json) {
    std::cout << crmstore::review_json(*views) << "\n";
    return kOk;
  }
  if (views->empty()) {
    std::cout << (args.all ? "no review tasks\n" : "no open review tasks\n");
    return kOk;
  }
  for (std::size_t i = 0; i < views->size(); ++i) {
    if (i > 0) std::cout << "\n";
    print_task((*views)[i], args.all);
  }
  return kOk;
}

// ---- actions ----

void print_result(const crmstore::OperationResult& r, bool json) {
  if (json) {
    std::cout << crmstore::operation_json(r) << "\n";
    return;
  }
  std::cout << "operation " << r.operation << " (" << r.kind << "): ";
  if (r.kind == "link" || r.kind == "unlink" || (r.kind == "undo" && r.source_record != 0)) {
    std::cout << "source record " << r.source_record << " moved from golden patient " << r.other_golden
              << " to golden patient " << r.golden;
    if (r.golden == r.other_golden) std::cout << " (confirmed)";
  } else if (r.kind == "merge") {
    std::cout << "golden patient " << r.other_golden << " merged into " << r.golden << " (merge " << r.merge << ")";
  } else if (r.kind == "unmerge") {
    std::cout << "merge " << r.merge << " undone: golden patient " << r.other_golden << " is separate from "
              << r.golden << " again";
  } else if (r.kind == "distinct") {
    std::cout << "golden patients " << r.golden << " and " << r.other_golden << " marked not the same person";
  } else {
    std::cout << "golden patients " << r.golden << " and " << r.other_golden << " may be proposed as one again";
  }
  if (r.undid != 0) std::cout << "; undid operation " << r.undid;
  if (!r.review_tasks.empty()) {
    std::cout << (r.kind == "undo" || r.kind == "unmerge" ? "; reopened review task" : "; closed review task")
              << (r.review_tasks.size() == 1 ? " " : "s ") << join_ids(r.review_tasks);
  }
  std::cout << "\n";
}

template <class Action>
int act(const OperationArgs& args, Action action) {
  auto store = open_store(args.config_path());
  if (!store) return fail(kError, store.error());
  const mpi::Actor actor{args.by, args.reason, false};
  auto done = action(**store, actor);
  if (!done) return store_failure(done.error());
  print_result(*done, args.json);
  return kOk;
}

int history(const OperationArgs& args) {
  auto store = open_store(args.config_path());
  if (!store) return fail(kError, store.error());
  auto golden = (*store)->golden_view(args.first);
  if (!golden) return store_failure(golden.error());
  if (!*golden) return fail(kRefused, "no golden patient " + std::to_string(args.first));
  auto rows = (*store)->operations_of_golden(args.first);
  if (!rows) return store_failure(rows.error());
  if (args.json) {
    std::cout << crmstore::history_json(*rows) << "\n";
    return kOk;
  }
  if (rows->empty()) {
    std::cout << "no operations on golden patient " << args.first << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> table{{"ID", "AT", "KIND", "BY", "RECORD", "GOLDEN", "OTHER", "UNDONE BY", "REASON"}};
  for (const auto& r : *rows) {
    table.push_back({std::to_string(r.id), r.at, r.kind, r.actor + (r.automatic ? " (auto)" : ""),
                     r.source_record ? std::to_string(r.source_record) : "-", std::to_string(r.golden),
                     std::to_string(r.other_golden), r.undone_by ? std::to_string(r.undone_by) : "-", r.reason});
  }
  std::vector<std::size_t> width(table[0].size());
  for (const auto& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
  return kOk;
}

}  // namespace

void add_mpi_operation_commands(CLI::App& mpi, std::shared_ptr<const std::string> config, int& exit_code) {
  auto make = [&](const char* name, const char* help) {
    auto args = std::make_shared<OperationArgs>();
    args->config = config;
    CLI::App* c = mpi.add_subcommand(name, help);
    c->add_option("--config", args->config_here, "gateway config (its crm_store is read)");
    c->add_flag("--json", args->json, "One JSON document instead of text");
    return std::pair{c, args};
  };
  // The decision's author and reason: both required of an operator, both in the operations log.
  auto who_and_why = [](CLI::App* c, OperationArgs& a) {
    c->add_option("--by", a.by, "Who decides (an operator name; recorded)")->required();
    c->add_option("--reason", a.reason, "Why (recorded with the operation)")->required();
  };
  auto id = [](CLI::App* c, const char* name, std::int64_t& into, const char* help) {
    c->add_option(name, into, help)->required()->check(CLI::PositiveNumber);
  };
  {
    auto [c, a] = make("review", "Open review tasks: the two records side by side, with the matcher's field scores");
    c->add_flag("--all", a->all, "Closed tasks too");
    c->callback([args = a, &exit_code] { exit_code = review(*args); });
  }
  {
    auto [c, a] = make("link", "Link a source record to a chosen golden patient (confirms it when already there)");
    id(c, "source_record", a->first, "Source record id (from `medgw mpi review`)");
    id(c, "golden", a->second, "Golden patient id");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.link_record(args->first, args->second, actor); });
    });
  }
  {
    auto [c, a] = make("unlink", "Move a source record to a new golden patient of its own");
    id(c, "source_record", a->first, "Source record id (from `medgw mpi review`)");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.unlink_record(args->first, actor); });
    });
  }
  {
    auto [c, a] = make("merge", "Merge a golden patient into another (all its records follow)");
    id(c, "from_golden", a->first, "The golden patient merged away");
    id(c, "into_golden", a->second, "The surviving golden patient");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.merge_goldens(args->first, args->second, actor); });
    });
  }
  {
    auto [c, a] = make("unmerge", "Undo a merge: exactly the links it moved are restored");
    id(c, "merge_id", a->first, "Merge id (from `medgw mpi history` or `medgw archive merges`)");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.unmerge(args->first, actor); });
    });
  }
  {
    auto [c, a] = make("distinct", "Mark two golden patients not the same person: never linked or proposed again");
    id(c, "golden_a", a->first, "Golden patient id");
    id(c, "golden_b", a->second, "The other golden patient id");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.mark_distinct(args->first, args->second, actor); });
    });
  }
  {
    auto [c, a] = make("undo", "Undo a link, unlink, merge or distinct mark (from `medgw mpi history`)");
    id(c, "operation_id", a->first, "Operation id");
    who_and_why(c, *a);
    c->callback([args = a, &exit_code] {
      exit_code = act(*args, [&](SqliteCrmStore& s, const mpi::Actor& actor) { return s.undo_operation(args->first, actor); });
    });
  }
  {
    auto [c, a] = make("history", "The operations log of a golden patient: who did what, when and why");
    c->add_option("--golden", a->first, "Golden patient id")->required()->check(CLI::PositiveNumber);
    c->callback([args = a, &exit_code] { exit_code = history(*args); });
  }
}

}  // namespace medgw::cli

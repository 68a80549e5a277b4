// The patient index's operator actions (DESIGN.md, "The master patient index": "ADT^A40 merges, and
// every automatic link can be undone"; a probable link opens a review task), under `medgw archive`:
//
//   medgw archive merges     --config FILE [--identifier [SYSTEM|]VALUE] [--json]
//   medgw archive undo-merge --config FILE MERGE_ID [--by NAME --reason TEXT] [--json]
//   medgw archive review     --config FILE [--all] [--json]
//   medgw archive unlink     --config FILE SOURCE_RECORD_ID [--by NAME --reason TEXT] [--json]
//
// These came before `medgw mpi` (mpi_operation_commands.cpp), which now has every operation with its
// log; they are kept for the scripts that use them, with the same output. undo-merge and unlink
// are written to the operations log like `mpi unmerge` and `mpi unlink`; without --by the login
// name is recorded, without --reason "none given (medgw archive <command>)".
//
// Output is an aligned table (or one sentence for an action) by default, one JSON document with
// --json. Exit status: 0 done, 1 refused or not found (the reason on stderr), 2 usage, config or
// store error. What is printed are ids, kinds, times and the index's own reasons, never a
// patient's demographics or identifier values: a terminal or a ticket is no place for PHI, and the
// ids are what `archive unlink` and `archive undo-merge` take. `archive show --identifier` shows
// the patient behind an id.
//
// Safe while the gateway runs: the store is SQLite in WAL mode and each action is one short
// transaction; the gateway's next write waits for it (busy_timeout) rather than failing. The index
// keeps nothing in memory that an action here could make stale.
#include "gateway/cli/archive_index_commands.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <vector>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/config/config.hpp"

namespace medgw::cli {
namespace {

using crmstore::SqliteCrmStore;

struct IndexArgs {
  std::shared_ptr<const std::string> config;
  std::string identifier;
  std::int64_t id = 0;
  bool all = false;
  bool json = false;
  std::string by, reason;
};

// Who and why for the operations log (see the header comment): the older commands had no --by.
mpi::Actor actor_of(const IndexArgs& args, const char* command) {
  std::string by = args.by;
  if (by.empty()) {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) by = pw->pw_name;
  }
  if (by.empty()) by = "uid " + std::to_string(::geteuid());
  std::string reason = args.reason.empty() ? std::string("none given (medgw archive ") + command + ")" : args.reason;
  return {by, reason, false};
}

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kError = 2;

int fail(int code, const std::string& message) {
  std::cerr << "medgw archive: " << message << "\n";
  return code;
}

// The index lives in the CRM store. Unlike the gateway, an operator's command never creates one:
// a mistyped path must not look like an empty index.
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

// Columns padded to their widest cell; the last one (free text) is not.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void print_json(const rapidjson::StringBuffer& buffer) {
  std::cout << std::string_view(buffer.GetString(), buffer.GetSize()) << "\n";
}

void write_ids(JsonWriter& w, const std::vector<std::int64_t>& ids) {
  w.StartArray();
  for (auto id : ids) w.Int64(id);
  w.EndArray();
}

std::string join_ids(const std::vector<std::int64_t>& ids, const char* empty = "-") {
  if (ids.empty()) return empty;
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// review_tasks.other_goldens: a JSON array of ids, written by the index.
std::vector<std::int64_t> parse_ids(const std::string& json) {
  std::vector<std::int64_t> out;
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsArray()) return out;
  for (const auto& v : d.GetArray()) {
    if (v.IsInt64()) out.push_back(v.GetInt64());
  }
  return out;
}

int merges(const IndexArgs& args) {
  std::string system, value;
  if (!args.identifier.empty()) {
    // FHIR token syntax, as `archive show`: "system|value", or "value" alone for any system.
    value = args.identifier;
    if (const auto bar = args.identifier.find('|'); bar != std::string::npos) {
      system = args.identifier.substr(0, bar);
      value = args.identifier.substr(bar + 1);
    }
    if (value.empty()) return fail(kError, "--identifier needs a value ([SYSTEM|]VALUE)");
  }
  auto store = open_store(*args.config);
  if (!store) return fail(kError, store.error());
  std::vector<crmstore::MergeRow> rows;
  if (value.empty()) {
    auto all = (*store)->list_merges();
    if (!all) return fail(kError, all.error().message);
    rows = std::move(*all);
  } else {
    auto mine = (*store)->list_merges(system, value);
    if (!mine) return fail(kError, mine.error().message);
    if (!*mine) return fail(kRefused, "no patient has identifier " + args.identifier);
    rows = std::move(**mine);
  }
  if (args.json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const auto& m : rows) {
      w.StartObject();
      w.Key("id");
      w.Int64(m.id);
      w.Key("created");
      w.String(m.created.c_str());
      w.Key("from_golden");
      w.Int64(m.from_golden);
      w.Key("into_golden");
      w.Int64(m.into_golden);
      w.Key("moved_records");
      w.Int64(m.moved_links);
      w.Key("reason");
      w.String(m.reason.c_str());
      w.Key("undone");
      if (m.undone.empty()) {
        w.Null();
      } else {
        w.String(m.undone.c_str());
      }
      w.EndObject();
    }
    w.EndArray();
    print_json(buffer);
    return kOk;
  }
  if (rows.empty()) {
    std::cout << "no merges\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& m : rows) {
    table.push_back({std::to_string(m.id), m.created, std::to_string(m.from_golden), std::to_string(m.into_golden),
                     std::to_string(m.moved_links), m.undone.empty() ? "-" : m.undone, m.reason});
  }
  print_table({"ID", "CREATED", "FROM GOLDEN", "INTO GOLDEN", "RECORDS", "UNDONE", "REASON"}, table);
  return kOk;
}

int undo_merge(const IndexArgs& args) {
  auto store = open_store(*args.config);
  if (!store) return fail(kError, store.error());
  // Looked up first so the answer names the patients and a refusal says why.
  auto all = (*store)->list_merges();
  if (!all) return fail(kError, all.error().message);
  const auto it = std::find_if(all->begin(), all->end(), [&](const auto& m) { return m.id == args.id; });
  if (it == all->end()) return fail(kRefused, "no merge " + std::to_string(args.id) + " (see `medgw archive merges`)");
  const crmstore::MergeRow merge = *it;
  if (!merge.undone.empty()) {
    return fail(kRefused, "merge " + std::to_string(merge.id) + " was already undone at " + merge.undone);
  }
  auto done = (*store)->unmerge(merge.id, actor_of(args, "undo-merge"));
  if (!done) {
    if (done.error().retryable) return fail(kError, "cannot undo merge now: " + done.error().message);
    return fail(kRefused, "merge " + std::to_string(merge.id) + " refused: " + done.error().message);
  }
  if (args.json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("merge");
    w.Int64(merge.id);
    w.Key("undone");
    w.Bool(true);
    w.Key("from_golden");
    w.Int64(merge.from_golden);
    w.Key("into_golden");
    w.Int64(merge.into_golden);
    w.Key("moved_records");
    w.Int64(merge.moved_links);
    w.EndObject();
    print_json(buffer);
    return kOk;
  }
  std::cout << "merge " << merge.id << " undone: golden patient " << merge.from_golden << " (" << merge.moved_links
            << " source record" << (merge.moved_links == 1 ? "" : "s") << ") is separate from golden patient "
            << merge.into_golden << " again\n";
  return kOk;
}

int review(const IndexArgs& args) {
  auto store = open_store(*args.config);
  if (!store) return fail(kError, store.error());
  auto tasks = (*store)->list_review_tasks(!args.all);
  if (!tasks) return fail(kError, tasks.error().message);
  if (args.json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const auto& t : *tasks) {
      w.StartObject();
      w.Key("id");
      w.Int64(t.id);
      w.Key("kind");
      w.String(t.kind.c_str());
      w.Key("source_record");
      w.Int64(t.source_record);
      w.Key("golden");
      w.Int64(t.golden);
      w.Key("other_goldens");
      write_ids(w, parse_ids(t.other_goldens));
      w.Key("reason");
      w.String(t.reason.c_str());
      w.Key("status");
      w.String(t.status.c_str());
      w.Key("created");
      w.String(t.created.c_str());
      w.EndObject();
    }
    w.EndArray();
    print_json(buffer);
    return kOk;
  }
  if (tasks->empty()) {
    std::cout << (args.all ? "no review tasks\n" : "no open review tasks\n");
    return kOk;
  }
  std::vector<std::string> header{"ID", "KIND", "SOURCE RECORD", "GOLDEN", "OTHER GOLDENS"};
  if (args.all) header.push_back("STATUS");
  header.insert(header.end(), {"CREATED", "REASON"});
  std::vector<std::vector<std::string>> table;
  for (const auto& t : *tasks) {
    std::vector<std::string> row{std::to_string(t.id), t.kind, std::to_string(t.source_record),
                                 std::to_string(t.golden), join_ids(parse_ids(t.other_goldens))};
    if (args.all) row.push_back(t.status);
    row.insert(row.end(), {t.created, t.reason});
    table.push_back(std::move(row));
  }
  print_table(header, table);
  return kOk;
}

int unlink(const IndexArgs& args) {
  auto store = open_store(*args.config);
  if (!store) return fail(kError, store.error());
  auto done = (*store)->unlink_record(args.id, actor_of(args, "unlink"));
  if (!done) {
    if (done.error().retryable) return fail(kError, "cannot unlink now: " + done.error().message);
    return fail(kRefused, done.error().message);
  }
  if (args.json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("source_record");
    w.Int64(done->source_record);
    w.Key("previous_golden");
    w.Int64(done->other_golden);
    w.Key("golden");
    w.Int64(done->golden);
    w.Key("closed_review_tasks");
    write_ids(w, done->review_tasks);
    w.EndObject();
    print_json(buffer);
    return kOk;
  }
  std::cout << "source record " << done->source_record << " moved from golden patient " << done->other_golden
            << " to new golden patient " << done->golden;
  if (!done->review_tasks.empty()) {
    std::cout << "; closed review task" << (done->review_tasks.size() == 1 ? " " : "s ") << join_ids(done->review_tasks);
  }
  std::cout << "\n";
  return kOk;
}

}  // namespace

void add_archive_index_commands(CLI::App& archive, std::shared_ptr<const std::string> config, int& exit_code) {
  auto make_args = [&config] {
    auto args = std::make_shared<IndexArgs>();
    args->config = config;
    return args;
  };
  {
    auto args = make_args();
    CLI::App* c = archive.add_subcommand("merges", "List patient merges (ADT^A40/A34), undone ones included");
    c->add_option("--identifier", args->identifier, "Only merges of the patient with this [SYSTEM|]VALUE");
    c->add_flag("--json", args->json, "A JSON array instead of a table");
    c->callback([args, &exit_code] { exit_code = merges(*args); });
  }
  {
    auto args = make_args();
    CLI::App* c = archive.add_subcommand("undo-merge", "Undo a merge: the merged patient's records leave again");
    c->add_option("merge_id", args->id, "Merge id (from `medgw archive merges`)")
        ->required()
        ->check(CLI::PositiveNumber);
    c->add_flag("--json", args->json, "A JSON object instead of a sentence");
    c->add_option("--by", args->by, "Who decides (recorded; default: the login name)");
    c->add_option("--reason", args->reason, "Why (recorded)");
    c->callback([args, &exit_code] { exit_code = undo_merge(*args); });
  }
  {
    auto args = make_args();
    CLI::App* c = archive.add_subcommand("review", "List the patient index's open review tasks");
    c->add_flag("--all", args->all, "Closed tasks too");
    c->add_flag("--json", args->json, "A JSON array instead of a table");
    c->callback([args, &exit_code] { exit_code = review(*args); });
  }
  {
    auto args = make_args();
    CLI::App* c = archive.add_subcommand("unlink", "Move a source record to a new golden patient of its own");
    c->add_option("source_record_id", args->id, "Source record id (from `medgw archive review`)")
        ->required()
        ->check(CLI::PositiveNumber);
    c->add_flag("--json", args->json, "A JSON object instead of a sentence");
    c->add_option("--by", args->by, "Who decides (recorded; default: the login name)");
    c->add_option("--reason", args->reason, "Why (recorded)");
    c->callback([args, &exit_code] { exit_code = unlink(*args); });
  }
}

}  // namespace medgw::cli

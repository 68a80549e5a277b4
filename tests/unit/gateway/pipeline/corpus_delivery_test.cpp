// The whole delivery path over the public HL7 v2 corpus (../shared/corpus/hl7v2/, MEDGW_CORPUS_DIR
// overrides; read where it lies, never copied): every message, as an Envelope, goes through the
// MessageMapper (charset, parse, map_v2, site profile) and the SQLite CRM store (MPI resolution,
// apply in batches of 64), once per shipped site profile (none, v2-to-fhir-standard, cn-hospital),
// each into a fresh store. The issue's contract: every message maps and is applied, or is parked
// with a reason (a mapping failure or a store refusal); nothing crashes (the dev preset runs this
// under ASan + UBSan); the store never errors. Redelivery: each batch applied again at once, and
// every applied item again at the end in other batch boundaries, answers kAlreadyApplied and
// changes no row count (a refused item is refused again). The store: no reserved row left unwritten,
// every clinical row on its source record's current golden patient. The archive: for the golden
// patients of a sample of stored identifiers, archive_bundle() is a JSON Bundle whose entries all
// have a resourceType, whose patient references all name that golden patient, and whose other
// references stay inside the archive. Skipped, saying so, when the corpus is absent. The counts
// are printed for the ctest log.
#include <gtest/gtest.h>

#include "tests/support/corpus_files.hpp"
#include <rapidjson/document.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/pipeline/message_mapper.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/sites/site_loader.hpp"

namespace medgw::pipeline {
namespace {

namespace fs = std::filesystem;
using crmstore::ApplyStatus;

constexpr std::size_t kBatchSize = 64;          // the pipeline's default batch_max
constexpr std::size_t kMaxArchiveSample = 250;  // identifiers whose golden patient's archive is read

fs::path corpus_root() {
  if (const char* env = std::getenv("MEDGW_CORPUS_DIR"); env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(MEDGW_SOURCE_DIR) / ".." / "shared" / "corpus" / "hl7v2";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct CorpusMessage {
  std::string origin;  // file relative to the corpus root, "#n" for the n-th message of a batch file
  std::string raw;
  std::string family;  // ADT, ORU, MDM, ORM (the issue's scope), OML, "other", or "unparseable"
};

std::string family_of(const std::string& raw) {
  auto msg = hl7v2::Message::parse(raw);
  if (!msg) return "unparseable";
  const std::string_view code = msg->message_code();
  if (code == "ADT" || code == "ORU" || code == "MDM" || code == "ORM" || code == "OML") return std::string(code);
  return "other";
}

// Same selection as tests/corpus and the mapping corpus test: every file, except folders and files
// named _* (indexes, oracles). Each message of a file is one envelope, as if framed by MLLP; a file
// read_batch cannot split goes through whole, as a peer could send it (the mapper must say why).
std::vector<CorpusMessage> load_corpus(const fs::path& root) {
  const std::vector<fs::path> files = medgw::test_support::corpus_files(root);
  std::vector<CorpusMessage> out;
  for (const fs::path& p : files) {
    const std::string rel = fs::relative(p, root).generic_string();
    std::string bytes = read_file(p);
    auto batch = hl7v2::read_batch(bytes);
    if (!batch) {
      out.push_back({rel, std::move(bytes), "unparseable"});
      continue;
    }
    const auto spans = batch->all_messages();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      std::string raw(spans[i].text);
      std::string family = family_of(raw);
      out.push_back({spans.size() == 1 ? rel : rel + "#" + std::to_string(i + 1), std::move(raw), std::move(family)});
    }
  }
  return out;
}

// A temporary folder removed with its contents at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag)
      : path_(fs::temp_directory_path() / ("medgw-corpus-delivery-" + std::to_string(::getpid()) + "-" + tag)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A second, read-only connection on the store's file (WAL: it sees every committed batch).
class Reader {
 public:
  explicit Reader(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    }
  }
  ~Reader() { sqlite3_close(db_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  const std::string& error() const { return error_; }

  // Runs `sql`, calling `row(stmt)` for each row; false (and error()) when SQLite fails.
  template <class F>
  bool each(const std::string& sql, F&& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db_);
      return false;
    }
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
  }

  static std::string text(sqlite3_stmt* stmt, int col) {
    const auto* p = sqlite3_column_text(stmt, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }

  // Table -> row count, over every table of the schema.
  std::map<std::string, std::int64_t> row_counts() {
    std::vector<std::string> tables;
    each("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
         [&](sqlite3_stmt* s) { tables.push_back(text(s, 0)); });
    std::map<std::string, std::int64_t> counts;
    for (const auto& t : tables) {
      each("SELECT COUNT(*) FROM \"" + t + "\"", [&](sqlite3_stmt* s) { counts[t] = sqlite3_column_int64(s, 0); });
    }
    return counts;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

// A reason for the counts: digits folded to '#' (byte offsets, repetition numbers) so that like
// reasons count together.
std::string reason_kind(std::string_view reason) {
  std::string out;
  for (char c : reason) {
    const bool digit = c >= '0' && c <= '9';
    if (digit && !out.empty() && out.back() == '#') continue;
    out.push_back(digit ? '#' : c);
  }
  return out;
}

// Every "reference" string under `v`, skipping Patient.link (which names the golden patient's
// source records, "Patient/src-N", not resources of the archive).
void references(const rapidjson::Value& v, bool in_patient, std::vector<std::string>& out) {
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) references(e, in_patient, out);
    return;
  }
  if (!v.IsObject()) return;
  for (const auto& m : v.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (in_patient && name == "link") continue;
    if (name == "reference" && m.value.IsString()) {
      out.emplace_back(m.value.GetString(), m.value.GetStringLength());
      continue;
    }
    references(m.value, false, out);
  }
}

struct SiteCase {
  std::string name;
  std::string file;  // under deploy/sites; "" = no site profile
};

void PrintTo(const SiteCase& c, std::ostream* os) {
  *os << (c.file.empty() ? "no site profile" : c.file);
}

struct Counts {
  std::size_t messages = 0, mapped = 0, applied = 0, refused = 0, map_failed = 0, batches = 0;
  std::map<std::string, std::size_t> refused_by_kind, failed_by_kind;
  std::map<std::string, std::size_t> failed_by_reason;  // of the mapped families only
  std::size_t archives = 0, archive_entries = 0, ambiguous_identifiers = 0, refs_in_archive = 0;
  std::map<std::string, std::size_t> refs_elsewhere;  // "<from type> -> <to type>": not in the same archive
  std::map<std::string, std::map<std::string, std::size_t>> by_family;  // family -> outcome -> count
};

class CorpusDelivery : public ::testing::TestWithParam<SiteCase> {
 protected:
  static void SetUpTestSuite() {
    const fs::path root = corpus_root();
    std::error_code ec;
    if (fs::is_directory(root, ec)) corpus_ = new std::vector<CorpusMessage>(load_corpus(root));
  }
  static void TearDownTestSuite() {
    delete corpus_;
    corpus_ = nullptr;
  }
  static std::vector<CorpusMessage>* corpus_;
};

std::vector<CorpusMessage>* CorpusDelivery::corpus_ = nullptr;

TEST_P(CorpusDelivery, EveryMessageIsAppliedOrParkedWithAReason) {
  if (corpus_ == nullptr) {
    GTEST_SKIP() << "HL7 v2 corpus absent: " << corpus_root().string()
                 << " is not a directory, so the delivery corpus test is skipped (MEDGW_CORPUS_DIR overrides it)";
  }
  ASSERT_FALSE(corpus_->empty()) << "no message file under " << corpus_root();
  const SiteCase& site_case = GetParam();
  const auto started = std::chrono::steady_clock::now();

  std::optional<sites::SiteProfile> site;
  if (!site_case.file.empty()) {
    auto loaded = sites::load_site_profile((fs::path(MEDGW_SOURCE_DIR) / "deploy" / "sites" / site_case.file).string());
    ASSERT_TRUE(loaded) << loaded.error();
    site = std::move(*loaded);
  }
  const MessageMapper mapper(site ? &*site : nullptr, {});

  TempDir dir(site_case.name);
  const fs::path db_file = dir.path() / "crm.sqlite";
  auto store = crmstore::SqliteCrmStore::open(db_file.string());
  ASSERT_TRUE(store) << store.error();
  // National IDs are checked against this date: the same outcome whenever the test runs.
  (*store)->set_today([] {
    return std::chrono::year_month_day{std::chrono::year{2024}, std::chrono::June, std::chrono::day{1}};
  });
  Reader reader(db_file);
  ASSERT_TRUE(reader.error().empty()) << reader.error();

  Counts n;
  struct Pending {
    std::uint64_t id;
    const CorpusMessage* message;
    model::ChangeSet changes;
  };
  std::vector<Pending> pending;
  pending.reserve(kBatchSize);
  std::vector<Pending> delivered;  // every applied item, for a late redelivery at the end

  // Applies `pending` as one batch, then again (a redelivery after a crash before the ack).
  auto deliver = [&]() -> bool {
    if (pending.empty()) return true;
    ++n.batches;
    std::vector<crmstore::ChangeItem> items;
    items.reserve(pending.size());
    for (const auto& p : pending) items.push_back({p.id, &p.changes});

    auto first = (*store)->apply(items);
    if (!first) {
      ADD_FAILURE() << "store error on batch " << n.batches << " (retryable " << first.error().retryable
                    << "): " << first.error().message;
      return false;
    }
    if (first->size() != items.size()) {
      ADD_FAILURE() << "batch " << n.batches << ": " << first->size() << " results for " << items.size() << " items";
      return false;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& r = (*first)[i];
      switch (r.status) {
        case ApplyStatus::kApplied:
          ++n.applied;
          ++n.by_family[pending[i].message->family]["applied"];
          break;
        case ApplyStatus::kRefused:
          ++n.refused;
          ++n.by_family[pending[i].message->family]["refused by the store"];
          ++n.refused_by_kind[reason_kind(r.reason)];
          EXPECT_FALSE(r.reason.empty()) << pending[i].message->origin << ": refused without a reason";
          break;
        case ApplyStatus::kAlreadyApplied:
          ADD_FAILURE() << pending[i].message->origin << ": already applied on its first delivery (envelope "
                        << items[i].envelope_id << ")";
          break;
      }
    }

    const auto before = reader.row_counts();
    EXPECT_TRUE(reader.error().empty()) << reader.error();
    auto again = (*store)->apply(items);
    if (!again) {
      ADD_FAILURE() << "store error redelivering batch " << n.batches << ": " << again.error().message;
      return false;
    }
    if (again->size() != items.size()) {
      ADD_FAILURE() << "redelivered batch " << n.batches << ": " << again->size() << " results";
      return false;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& was = (*first)[i];
      const auto& now = (*again)[i];
      if (was.status == ApplyStatus::kApplied) {
        EXPECT_EQ(now.status, ApplyStatus::kAlreadyApplied)
            << pending[i].message->origin << ": applied, then not recognised on redelivery (" << now.reason << ")";
      } else if (was.status == ApplyStatus::kRefused) {
        // Refused is permanent for the same store state: the redelivery is refused again.
        EXPECT_EQ(now.status, ApplyStatus::kRefused)
            << pending[i].message->origin << ": refused (" << was.reason << "), then not refused on redelivery";
      }
    }
    const auto after = reader.row_counts();
    EXPECT_EQ(before, after) << "redelivering batch " << n.batches << " changed row counts";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if ((*first)[i].status == ApplyStatus::kApplied) delivered.push_back(std::move(pending[i]));
    }
    pending.clear();
    return true;
  };

  std::uint64_t next_id = 1;
  for (const CorpusMessage& m : *corpus_) {
    ++n.messages;
    Envelope e;
    e.id = next_id++;
    e.source = "corpus";
    e.received_at_ms = 1717200000000 + static_cast<std::int64_t>(e.id);
    e.content_type = kContentTypeHl7v2;
    e.raw = m.raw;
    auto changes = mapper.map(e);
    if (!changes) {
      ++n.map_failed;
      ++n.by_family[m.family]["mapping failure"];
      ++n.failed_by_kind[std::string(kind_name(changes.error().kind))];
      if (m.family != "other" && m.family != "unparseable") {  // the other families' reasons: MSH-9, parse errors
        ++n.failed_by_reason[m.family + " " + std::string(kind_name(changes.error().kind)) + ": " +
                             reason_kind(changes.error().reason)];
      }
      EXPECT_FALSE(changes.error().reason.empty()) << m.origin << ": " << describe(changes.error());
      continue;
    }
    ++n.mapped;
    pending.push_back({e.id, &m, std::move(*changes)});
    if (pending.size() == kBatchSize && !deliver()) return;
  }
  if (!deliver()) return;
  EXPECT_EQ(n.applied + n.refused + n.map_failed, n.messages);

  // A late redelivery of everything applied (a queue replayed from an older position), in other
  // batch boundaries: every item is recognised, nothing changes.
  {
    const auto before = reader.row_counts();
    for (std::size_t from = 0; from < delivered.size(); from += kBatchSize - 1) {
      std::vector<crmstore::ChangeItem> items;
      for (std::size_t i = from; i < std::min(delivered.size(), from + kBatchSize - 1); ++i) {
        items.push_back({delivered[i].id, &delivered[i].changes});
      }
      auto again = (*store)->apply(items);
      ASSERT_TRUE(again) << "store error on a late redelivery: " << again.error().message;
      ASSERT_EQ(again->size(), items.size());
      for (std::size_t i = 0; i < items.size(); ++i) {
        EXPECT_EQ((*again)[i].status, ApplyStatus::kAlreadyApplied)
            << delivered[from + i].message->origin << ": not recognised on a late redelivery";
      }
    }
    EXPECT_EQ(before, reader.row_counts()) << "a late redelivery changed row counts";
  }

  // Every clinical row is written (no reserved row left behind by a refused item) and belongs to
  // the current golden patient of its source record (schema.cpp: kept in step with the links).
  for (const char* table : {"encounters", "orders", "reports", "observations", "documents", "imaging_studies"}) {
    std::int64_t unwritten = -1, astray = -1;
    ASSERT_TRUE(reader.each(std::string("SELECT COUNT(*) FROM ") + table +
                                " WHERE resource = '' OR golden_id IS NULL OR source_record_id IS NULL",
                            [&](sqlite3_stmt* s) { unwritten = sqlite3_column_int64(s, 0); }))
        << reader.error();
    ASSERT_TRUE(reader.each(std::string("SELECT COUNT(*) FROM ") + table +
                                " r JOIN links l ON l.source_record_id = r.source_record_id AND l.undone IS NULL "
                                "WHERE r.golden_id <> l.golden_id",
                            [&](sqlite3_stmt* s) { astray = sqlite3_column_int64(s, 0); }))
        << reader.error();
    EXPECT_EQ(unwritten, 0) << table << ": rows without a resource, a source record or a golden patient";
    EXPECT_EQ(astray, 0) << table << ": rows whose golden patient is not their source record's current one";
  }

  // The archive of the golden patients of a sample of stored identifiers.
  std::map<std::pair<std::string, std::string>, std::set<std::int64_t>> goldens_of;
  std::map<std::string, std::set<std::int64_t>> goldens_of_value;  // in any system
  ASSERT_TRUE(
      reader.each("SELECT i.system, i.value, l.golden_id FROM identifiers i "
                  "JOIN links l ON l.source_record_id = i.source_record_id AND l.undone IS NULL WHERE i.value <> ''",
                  [&](sqlite3_stmt* s) {
                    goldens_of[{Reader::text(s, 0), Reader::text(s, 1)}].insert(sqlite3_column_int64(s, 2));
                    goldens_of_value[Reader::text(s, 1)].insert(sqlite3_column_int64(s, 2));
                  }))
      << reader.error();
  if (n.applied > 0) {
    EXPECT_FALSE(goldens_of.empty()) << "applied messages but no identifier stored";
  }
  const std::size_t stride = std::max<std::size_t>(1, (goldens_of.size() + kMaxArchiveSample - 1) / kMaxArchiveSample);
  std::size_t index = 0;
  std::set<std::int64_t> seen_goldens;
  for (const auto& [identifier, goldens] : goldens_of) {
    if (index++ % stride != 0) continue;
    const auto& [system, value] = identifier;
    // archive_bundle reads an empty system as "any system" (crm_store.hpp): an identifier stored
    // without a system (PID-3 without CX.4) finds whoever holds the value in any system.
    const std::set<std::int64_t>& holders = system.empty() ? goldens_of_value[value] : goldens;
    if (holders.size() > 1) ++n.ambiguous_identifiers;  // the same number in several goldens (kind other)
    const std::string label = "identifier " + system + "|" + value;
    auto bundle = (*store)->archive_bundle(system, value);
    ASSERT_TRUE(bundle) << label << ": " << bundle.error().message;
    ASSERT_TRUE(bundle->has_value()) << label << ": stored, but archive_bundle finds no patient";
    rapidjson::Document doc;
    doc.Parse((*bundle)->c_str(), (*bundle)->size());
    ASSERT_FALSE(doc.HasParseError()) << label << ": archive is not JSON (error " << doc.GetParseError() << " at "
                                      << doc.GetErrorOffset() << ")";
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("entry") && doc["entry"].IsArray() && !doc["entry"].Empty())
        << label << ": a Bundle without entries";
    ++n.archives;
    const auto& entries = doc["entry"].GetArray();
    // The first entry is the golden patient, one of the goldens that hold the identifier.
    const auto& patient = entries[0]["resource"];
    ASSERT_TRUE(patient.IsObject() && patient.HasMember("id") && patient["id"].IsString()) << label;
    const std::string golden_id = patient["id"].GetString();
    bool known = false;
    for (std::int64_t g : holders) known = known || std::to_string(g) == golden_id;
    EXPECT_TRUE(known) << label << ": archive of Patient/" << golden_id << ", not of a golden patient holding it";
    if (!seen_goldens.insert(std::stoll(golden_id)).second) continue;  // this golden is checked already
    std::set<std::string> in_bundle;                                   // "<Type>/<id>" of every entry
    for (const auto& entry : entries) {
      ++n.archive_entries;
      ASSERT_TRUE(entry.IsObject() && entry.HasMember("resource") && entry["resource"].IsObject())
          << label << ": an entry without a resource";
      const auto& resource = entry["resource"];
      ASSERT_TRUE(resource.HasMember("resourceType") && resource["resourceType"].IsString() &&
                  resource["resourceType"].GetStringLength() > 0)
          << label << ": an entry without a resourceType";
      if (resource.HasMember("id") && resource["id"].IsString()) {
        in_bundle.insert(std::string(resource["resourceType"].GetString()) + "/" + resource["id"].GetString());
      }
    }
    for (const auto& entry : entries) {
      const auto& resource = entry["resource"];
      const std::string type = resource["resourceType"].GetString();
      std::vector<std::string> refs;
      references(resource, type == "Patient", refs);
      for (const auto& ref : refs) {
        if (ref.rfind("Patient/", 0) == 0) {
          EXPECT_EQ(ref, "Patient/" + golden_id)
              << label << ": a " << type << " in the archive of Patient/" << golden_id << " refers to another patient";
        } else if (in_bundle.count(ref) != 0) {
          ++n.refs_in_archive;
        } else {
          // Not a resource of this archive: another patient's row (a key reused by the sender for
          // someone else) or a "<Type>/<key>" the store could not resolve. Either way the archive
          // would point outside itself.
          ++n.refs_elsewhere[type + " -> " + ref.substr(0, ref.find('/'))];
          ADD_FAILURE() << label << ": a " << type << " in the archive of Patient/" << golden_id << " refers to " << ref
                        << ", which is not in that archive";
        }
      }
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string tag = "[ " + site_case.name + " ] ";
  std::cout << tag << n.messages << " messages: " << n.mapped << " mapped, " << n.applied << " applied, " << n.refused
            << " refused by the store, " << n.map_failed << " mapping failures; " << n.batches
            << " batches of <= " << kBatchSize << ", each redelivered at once, then all " << delivered.size()
            << " applied again at the end; " << seconds << " s\n";
  for (const auto& [family, outcomes] : n.by_family) {
    std::cout << tag << family << ":";
    for (const auto& [outcome, c] : outcomes) std::cout << " " << c << " " << outcome << ";";
    std::cout << "\n";
  }
  for (const auto& [kind, c] : n.refused_by_kind) std::cout << tag << "refused   " << c << " x " << kind << "\n";
  for (const auto& [kind, c] : n.failed_by_kind) std::cout << tag << "map fail  " << c << " x " << kind << "\n";
  for (const auto& [reason, c] : n.failed_by_reason) std::cout << tag << "  reason  " << c << " x " << reason << "\n";
  std::cout << tag << "archive   " << goldens_of.size() << " stored identifiers, " << n.archives << " read ("
            << seen_goldens.size() << " golden patients, " << n.archive_entries << " entries, "
            << n.ambiguous_identifiers << " identifiers held by more than one golden patient)\n";
  std::cout << tag << "references between archive entries: " << n.refs_in_archive << " within the archive\n";
  for (const auto& [what, c] : n.refs_elsewhere) std::cout << tag << "  outside " << c << " x " << what << "\n";
  const auto counts = reader.row_counts();
  std::cout << tag << "rows     ";
  for (const auto& [table, c] : counts) std::cout << " " << table << "=" << c;
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Sites, CorpusDelivery,
                         ::testing::Values(SiteCase{"none", ""},
                                           SiteCase{"v2_to_fhir_standard", "v2-to-fhir-standard.yaml"},
                                           SiteCase{"cn_hospital", "cn-hospital.yaml"}),
                         [](const ::testing::TestParamInfo<SiteCase>& param) { return param.param.name; });

}  // namespace
}  // namespace medgw::pipeline

#include "adapters/crmstore/archive_reader.hpp"

#include "adapters/crmstore/exact_json.hpp"
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <set>
#include <utility>

#include "adapters/crmstore/archive_reader_impl.hpp"
#include "adapters/crmstore/golden_patient.hpp"
#include "adapters/crmstore/schema.hpp"
#include "adapters/crmstore/timestamp.hpp"

namespace medgw::crmstore {

using archive::Statement;
using archive::store_error;

namespace archive {

void Finalize::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

ArchiveError store_error(const sqlite::DbError& e) {
  return ArchiveError{ArchiveErrorKind::kStore, {}, e.message, e.retryable};
}

ArchiveError invalid(std::string parameter, std::string message) {
  return ArchiveError{ArchiveErrorKind::kInvalidRequest, std::move(parameter), std::move(message), false};
}

const char* table_of(std::string_view type) {
  if (type == "Encounter") return "encounters";
  if (type == "ServiceRequest") return "orders";
  if (type == "DiagnosticReport") return "reports";
  if (type == "Observation") return "observations";
  if (type == "DocumentReference") return "documents";
  if (type == "ImagingStudy") return "imaging_studies";
  return nullptr;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18 || text[0] == '0') return std::nullopt;
  std::int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_link(Writer& w, std::string_view reference, std::string_view type) {
  w.StartObject();
  w.Key("other");
  w.StartObject();
  w.Key("reference");
  write_string(w, reference);
  w.EndObject();
  w.Key("type");
  write_string(w, type);
  w.EndObject();
}

}  // namespace

std::optional<std::string> with_meta(std::string_view json, std::string_view type, std::string_view id,
                                     std::int64_t version, std::string_view last_updated,
                                     const std::optional<std::string>& refer) {
  rapidjson::Document parsed;
  if (!parse_exact(parsed, json) || !parsed.IsObject()) return std::nullopt;
  const rapidjson::Document& doc = parsed;  // const iterators: Clang's C++20 operator rules
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("resourceType");
  write_string(w, type);
  w.Key("id");
  write_string(w, id);
  w.Key("meta");
  w.StartObject();
  if (auto meta = doc.FindMember("meta"); meta != doc.MemberEnd() && meta->value.IsObject()) {
    for (const auto& m : meta->value.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "versionId" || name == "lastUpdated") continue;
      w.Key(m.name.GetString(), m.name.GetStringLength());
      write_exact(m.value, w);
    }
  }
  w.Key("versionId");
  write_string(w, std::to_string(version));
  w.Key("lastUpdated");
  write_string(w, last_updated);
  w.EndObject();
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "resourceType" || name == "id" || name == "meta") continue;
    if (refer && name == "link") continue;
    w.Key(m.name.GetString(), m.name.GetStringLength());
    write_exact(m.value, w);
  }
  if (refer) {
    // The sender's own links (to its other records: seealso, replaces) stay; medgw's link to the
    // golden patient comes last.
    w.Key("link");
    w.StartArray();
    if (auto link = doc.FindMember("link"); link != doc.MemberEnd() && link->value.IsArray()) {
      for (const auto& l : link->value.GetArray()) write_exact(l, w);
    }
    write_link(w, *refer, "refer");
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace archive

namespace {

ArchiveError corrupt(const char* what) {
  return ArchiveError{
      ArchiveErrorKind::kStore, {}, std::string(what) + ": stored resource is not a JSON object", false};
}

// A merged-away golden patient: nothing of its own left but where it went.
std::string merged_patient_json(std::int64_t golden, std::int64_t surviving, std::int64_t version,
                                const std::string& last_updated) {
  rapidjson::StringBuffer buf;
  archive::Writer w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("Patient");
  const std::string id = std::to_string(golden);
  w.Key("id");
  archive::write_string(w, id);
  w.Key("meta");
  w.StartObject();
  w.Key("versionId");
  archive::write_string(w, std::to_string(version));
  w.Key("lastUpdated");
  archive::write_string(w, last_updated);
  w.EndObject();
  w.Key("active");
  w.Bool(false);
  w.Key("link");
  w.StartArray();
  archive::write_link(w, "Patient/" + std::to_string(surviving), "replaced-by");
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::optional<std::int64_t> source_record_id(std::string_view id) {
  if (id.substr(0, 4) != "src-") return std::nullopt;
  return archive::parse_id(id.substr(4));
}

}  // namespace

// --- connection ---

ArchiveReader::Impl::~Impl() {
  for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
  sqlite3_close(db);
}

ArchiveResult<Statement> ArchiveReader::Impl::prepare(std::string_view sql, const char* what, bool cached) {
  Statement s;
  sqlite3_stmt* stmt = nullptr;
  if (cached) {
    auto it = cache.find(std::string(sql));
    if (it != cache.end()) stmt = it->second;
  }
  if (stmt == nullptr) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      cached ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return unexpected(store_error(
          sqlite::DbError{rc & 0xff, std::string(what) + ": " + sqlite3_errstr(rc), sqlite::is_retryable(rc)}));
    }
    if (cached) {
      cache.emplace(std::string(sql), stmt);
    } else {
      s.owned.reset(stmt);
    }
  }
  s.query.emplace(db, stmt, what);
  return s;
}

ArchiveResult<std::monostate> ArchiveReader::Impl::exec(const char* sql, const char* what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return unexpected(store_error(
        sqlite::DbError{rc & 0xff, std::string(what) + ": " + sqlite3_errstr(rc), sqlite::is_retryable(rc)}));
  }
  return std::monostate{};
}

void ArchiveReader::Impl::rollback() {
  if (sqlite3_get_autocommit(db) == 0) (void)exec("ROLLBACK", "end read");
}

namespace {

// One connection to the store, configured and checked against the schema this medgw writes.
Expected<std::unique_ptr<ArchiveReader::Impl>, std::string> open_connection(const std::string& path,
                                                                            ArchiveReaderOptions options) {
  auto impl = std::make_unique<ArchiveReader::Impl>();
  impl->options = options;
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return unexpected("archive reader " + path + ": " + sqlite3_errstr(rc));
  sqlite3_extended_result_codes(impl->db, 1);
  // busy_timeout: a write (the audit log) waits for the pipeline's writer instead of failing; so
  // does a read during WAL recovery. synchronous=NORMAL: see audit(). temp_store: sorts in memory.
  for (const char* pragma :
       {"PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL", "PRAGMA temp_store = MEMORY"}) {
    if (auto r = impl->exec(pragma, "configure"); !r)
      return unexpected("archive reader " + path + ": " + r.error().message);
  }
  std::optional<std::int64_t> version;
  {
    auto q = impl->prepare("SELECT version FROM schema_version", "read schema version", false);
    if (!q) return unexpected("archive reader " + path + ": not a CRM store (" + q.error().message + ")");
    auto v = (*q)->single_int64();
    if (!v) return unexpected("archive reader " + path + ": " + v.error().message);
    version = *v;
  }
  const int latest = sqlite::latest_schema_version();
  if (!version || *version != latest) {
    return unexpected("archive reader " + path + ": schema version " + std::to_string(version.value_or(0)) +
                      (version.value_or(0) < latest ? ", older than " : ", newer than ") + std::to_string(latest) +
                      ": the store migrates its schema when the gateway opens it");
  }
  return impl;
}

}  // namespace

Expected<std::unique_ptr<ArchiveReader>, std::string> ArchiveReader::open(const std::string& path,
                                                                          ArchiveReaderOptions options) {
  // Never create the file: a reader pointed at the wrong path must fail, not leave an empty store.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return unexpected("archive reader: no CRM store at " + path + " (the gateway creates it)");
  }
  constexpr unsigned kMaxConnections = 64;
  if (options.connections == 0 || options.connections > kMaxConnections) {
    return unexpected("archive reader: connections must be 1.." + std::to_string(kMaxConnections));
  }
  std::vector<std::unique_ptr<Impl>> connections;
  for (unsigned i = 0; i < options.connections; ++i) {
    auto c = open_connection(path, options);
    if (!c) return unexpected(c.error());
    connections.push_back(std::move(*c));
  }
  return std::unique_ptr<ArchiveReader>(new ArchiveReader(std::move(connections)));
}

ArchiveReader::ArchiveReader(std::vector<std::unique_ptr<Impl>> connections) : connections_(std::move(connections)) {
  for (auto& c : connections_) idle_.push_back(c.get());
}
ArchiveReader::~ArchiveReader() = default;

// A connection for the duration of one call, returned to the idle list when the call ends.
class ArchiveReader::Lease {
 public:
  explicit Lease(ArchiveReader& reader) : reader_(reader) {
    std::unique_lock lock(reader_.mu_);
    reader_.idle_changed_.wait(lock, [&] { return !reader_.idle_.empty(); });
    impl_ = reader_.idle_.back();
    reader_.idle_.pop_back();
  }
  ~Lease() {
    {
      std::lock_guard lock(reader_.mu_);
      reader_.idle_.push_back(impl_);
    }
    reader_.idle_changed_.notify_one();
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Impl* operator->() const { return impl_; }
  Impl& operator*() const { return *impl_; }

 private:
  ArchiveReader& reader_;
  Impl* impl_ = nullptr;
};

// --- reads inside a transaction ---

ArchiveResult<std::optional<std::int64_t>> ArchiveReader::Impl::surviving_golden(std::int64_t golden) {
  // A chain of merges (A into B, B into C) ends at the one not merged; a cycle (which the MPI does
  // not create) ends the walk after a bounded number of steps rather than loop.
  std::int64_t current = golden;
  for (int hops = 0; hops < 64; ++hops) {
    auto q = prepare("SELECT merged_into FROM golden_patients WHERE id = ?1", "find golden patient");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, current);
    auto row = (*q)->step();
    if (!row) return unexpected(store_error(row.error()));
    if (!*row) return std::optional<std::int64_t>();
    if ((*q)->is_null(0)) return std::optional<std::int64_t>(current);
    current = (*q)->int64(0);
  }
  return std::optional<std::int64_t>(current);
}

ArchiveResult<std::optional<std::int64_t>> ArchiveReader::Impl::golden_of_record(std::int64_t record) {
  auto q = prepare("SELECT golden_id FROM links WHERE source_record_id = ?1 AND undone IS NULL", "find link");
  if (!q) return unexpected(q.error());
  auto got = (*q)->bind(1, record).single_int64();
  if (!got) return unexpected(store_error(got.error()));
  return *got;
}

ArchiveResult<std::optional<std::int64_t>> ArchiveReader::Impl::golden_of_patient_id(std::string_view id) {
  if (auto record = source_record_id(id)) return golden_of_record(*record);
  if (auto golden = archive::parse_id(id)) return surviving_golden(*golden);
  return std::optional<std::int64_t>();
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::Impl::golden_patient(std::int64_t golden) {
  using R = std::optional<StoredResource>;
  std::optional<std::int64_t> merged_into;
  std::string created;
  {
    auto q = prepare("SELECT merged_into, created FROM golden_patients WHERE id = ?1", "read golden patient");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, golden);
    auto row = (*q)->step();
    if (!row) return unexpected(store_error(row.error()));
    if (!*row) return R();
    if (!(*q)->is_null(0)) merged_into = (*q)->int64(0);
    created = (*q)->text(1);
  }
  StoredResource out;
  out.type = "Patient";
  out.id = std::to_string(golden);
  out.golden = golden;
  if (merged_into) {
    auto surviving = surviving_golden(*merged_into);
    if (!surviving) return unexpected(surviving.error());
    // Derived version: above any version it had while active (the sum of its records' versions).
    auto q = prepare(
        "SELECT (SELECT coalesce(sum(sr.version), 0) + 1 FROM links l JOIN source_records sr "
        "ON sr.id = l.source_record_id WHERE l.golden_id = ?1), "
        "(SELECT max(created) FROM merges WHERE from_golden = ?1 AND undone IS NULL)",
        "read merged patient");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, golden);
    auto row = (*q)->step();
    if (!row) return unexpected(store_error(row.error()));
    out.version = *row ? (*q)->int64(0) : 1;
    out.last_updated = *row && !(*q)->is_null(1) ? (*q)->text(1) : created;
    out.json = merged_patient_json(golden, surviving->value_or(*merged_into), out.version, out.last_updated);
    return R(std::move(out));
  }
  std::vector<SourceRecordDocument> records;
  out.version = 0;
  {
    auto q = prepare(
        "SELECT sr.resource, sr.version, sr.updated, sr.sender FROM links l JOIN source_records sr "
        "ON sr.id = l.source_record_id "
        "WHERE l.golden_id = ?1 AND l.undone IS NULL AND sr.resource <> '' ORDER BY sr.revision",
        "read source records");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, golden);
    for (;;) {
      auto row = (*q)->step();
      if (!row) return unexpected(store_error(row.error()));
      if (!*row) break;
      records.push_back({(*q)->text(0), (*q)->text(3), (*q)->text(2)});
      // Derived version: the sum of its records' versions, so a new patient is version 1 and
      // every change to one of its records counts. (An unlink can lower it: a stored golden
      // version is the better answer, left for the patient-index issue.)
      out.version += (*q)->int64(1);
      out.last_updated = std::max(out.last_updated, (*q)->text(2));
    }
  }
  if (records.empty()) return R();
  auto json =
      archive::with_meta(compose_golden_patient(golden, records, options.survivorship), "Patient", out.id, out.version, out.last_updated);
  if (!json) return unexpected(corrupt("read golden patient"));
  out.json = std::move(*json);
  return R(std::move(out));
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::Impl::source_record(std::int64_t record) {
  using R = std::optional<StoredResource>;
  auto q = prepare(
      "SELECT sr.resource, sr.version, sr.updated, l.golden_id FROM source_records sr "
      "LEFT JOIN links l ON l.source_record_id = sr.id AND l.undone IS NULL WHERE sr.id = ?1 AND sr.resource <> ''",
      "read source record");
  if (!q) return unexpected(q.error());
  (*q)->bind(1, record);
  auto row = (*q)->step();
  if (!row) return unexpected(store_error(row.error()));
  if (!*row) return R();
  StoredResource out;
  out.type = "Patient";
  out.id = "src-" + std::to_string(record);
  out.version = (*q)->int64(1);
  out.last_updated = (*q)->text(2);
  out.golden = (*q)->is_null(3) ? 0 : (*q)->int64(3);
  std::optional<std::string> refer;
  if (out.golden != 0) refer = "Patient/" + std::to_string(out.golden);
  auto json = archive::with_meta((*q)->text(0), "Patient", out.id, out.version, out.last_updated, refer);
  if (!json) return unexpected(corrupt("read source record"));
  out.json = std::move(*json);
  return R(std::move(out));
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::Impl::clinical(const char* type, std::int64_t id) {
  using R = std::optional<StoredResource>;
  const char* table = archive::table_of(type);
  if (table == nullptr) return R();
  auto q = prepare(std::string("SELECT resource, version, updated, coalesce(golden_id, 0) FROM ") + table +
                       " WHERE id = ?1 AND resource <> ''",
                   "read resource");
  if (!q) return unexpected(q.error());
  (*q)->bind(1, id);
  auto row = (*q)->step();
  if (!row) return unexpected(store_error(row.error()));
  if (!*row) return R();
  StoredResource out;
  out.type = type;
  out.id = std::to_string(id);
  out.version = (*q)->int64(1);
  out.last_updated = (*q)->text(2);
  out.golden = (*q)->int64(3);
  auto json = archive::with_meta((*q)->text(0), type, out.id, out.version, out.last_updated);
  if (!json) return unexpected(corrupt("read resource"));
  out.json = std::move(*json);
  return R(std::move(out));
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::Impl::current(std::string_view type, std::string_view id) {
  using R = std::optional<StoredResource>;
  if (type == "Patient") {
    if (auto record = source_record_id(id)) return source_record(*record);
    if (auto golden = archive::parse_id(id)) return golden_patient(*golden);
    return R();
  }
  const char* table = archive::table_of(type);
  const auto row = archive::parse_id(id);
  if (table == nullptr || !row) return R();
  // table_of answered for one of a fixed set of names; pass that, not the caller's view.
  static constexpr const char* kTypes[] = {"Encounter",   "ServiceRequest",    "DiagnosticReport",
                                           "Observation", "DocumentReference", "ImagingStudy"};
  for (const char* t : kTypes) {
    if (type == t) return clinical(t, *row);
  }
  return R();
}

// --- public API: one read transaction per call ---

namespace {

// Runs `body` in a read transaction: one snapshot of the store for the whole call.
template <class F>
auto in_read(ArchiveReader::Impl& impl, F&& body) -> decltype(body()) {
  if (auto r = impl.exec("BEGIN", "begin read"); !r) return unexpected(r.error());
  auto result = body();
  impl.rollback();
  return result;
}

}  // namespace

ArchiveResult<std::optional<StoredResource>> ArchiveReader::read(std::string_view type, std::string_view id) {
  Lease conn(*this);
  return in_read(*conn, [&] { return conn->current(type, id); });
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::vread(std::string_view type, std::string_view id,
                                                                  std::int64_t version) {
  Lease conn(*this);
  return in_read(*conn, [&]() -> ArchiveResult<std::optional<StoredResource>> {
    using R = std::optional<StoredResource>;
    auto now = conn->current(type, id);
    if (!now || !*now) return now;
    StoredResource& cur = **now;
    if (cur.version == version) return now;
    // Golden patients are composed on each read: they keep no past versions.
    std::int64_t row_id = 0;
    if (type == "Patient") {
      const auto record = source_record_id(id);
      if (!record) return R();
      row_id = *record;
    } else {
      row_id = *archive::parse_id(id);
    }
    auto q = conn->prepare(
        "SELECT resource, updated FROM resource_history WHERE resource_type = ?1 AND resource_id = ?2 AND version = ?3",
        "read version");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, cur.type).bind(2, row_id).bind(3, version);
    auto row = (*q)->step();
    if (!row) return unexpected(store_error(row.error()));
    if (!*row) return R();
    StoredResource out;
    out.type = cur.type;
    out.id = cur.id;
    out.version = version;
    out.last_updated = (*q)->text(1);
    out.golden = cur.golden;
    std::optional<std::string> refer;
    if (type == "Patient" && cur.golden != 0) refer = "Patient/" + std::to_string(cur.golden);
    auto json = archive::with_meta((*q)->text(0), out.type, out.id, version, out.last_updated, refer);
    if (!json) return unexpected(corrupt("read version"));
    out.json = std::move(*json);
    return R(std::move(out));
  });
}

ArchiveResult<std::optional<std::vector<StoredResource>>> ArchiveReader::history(std::string_view type,
                                                                                 std::string_view id) {
  Lease conn(*this);
  return in_read(*conn, [&]() -> ArchiveResult<std::optional<std::vector<StoredResource>>> {
    using R = std::optional<std::vector<StoredResource>>;
    auto now = conn->current(type, id);
    if (!now) return unexpected(now.error());
    if (!*now) return R();
    std::vector<StoredResource> out{**now};
    const StoredResource& cur = out.front();
    std::int64_t row_id = 0;
    if (type == "Patient") {
      const auto record = source_record_id(id);
      if (!record) return R(std::move(out));
      row_id = *record;
    } else {
      row_id = *archive::parse_id(id);
    }
    auto q = conn->prepare(
        "SELECT version, resource, updated FROM resource_history WHERE resource_type = ?1 AND resource_id = ?2 "
        "AND version < ?3 ORDER BY version DESC",
        "read history");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, cur.type).bind(2, row_id).bind(3, cur.version);
    const std::string type_name = cur.type, id_text = cur.id;
    const std::int64_t golden = cur.golden;
    std::optional<std::string> refer;
    if (type == "Patient" && golden != 0) refer = "Patient/" + std::to_string(golden);
    for (;;) {
      auto row = (*q)->step();
      if (!row) return unexpected(store_error(row.error()));
      if (!*row) break;
      StoredResource v;
      v.type = type_name;
      v.id = id_text;
      v.version = (*q)->int64(0);
      v.last_updated = (*q)->text(2);
      v.golden = golden;
      auto json = archive::with_meta((*q)->text(1), v.type, v.id, v.version, v.last_updated, refer);
      if (!json) return unexpected(corrupt("read history"));
      v.json = std::move(*json);
      out.push_back(std::move(v));
    }
    return R(std::move(out));
  });
}

ArchiveResult<SearchPage> ArchiveReader::search(const SearchQuery& query) {
  Lease conn(*this);
  return in_read(*conn, [&] { return run_search(*conn, query); });
}

ArchiveResult<PatientMatchAnswer> ArchiveReader::match(const model::Patient& patient,
                                                       const PatientMatchOptions& options) {
  Lease conn(*this);
  return in_read(*conn, [&] { return run_match(*conn, patient, options); });
}

ArchiveResult<std::optional<std::vector<StoredResource>>> ArchiveReader::everything(std::string_view patient_id) {
  Lease conn(*this);
  return in_read(*conn, [&]() -> ArchiveResult<std::optional<std::vector<StoredResource>>> {
    using R = std::optional<std::vector<StoredResource>>;
    auto golden = conn->golden_of_patient_id(patient_id);
    if (!golden) return unexpected(golden.error());
    if (!*golden) return R();
    auto patient = conn->golden_patient(**golden);
    if (!patient) return unexpected(patient.error());
    if (!*patient) return R();
    std::vector<StoredResource> out{std::move(**patient)};
    std::vector<std::int64_t> records;
    {
      auto q = conn->prepare(
          "SELECT sr.id FROM links l JOIN source_records sr ON sr.id = l.source_record_id "
          "WHERE l.golden_id = ?1 AND l.undone IS NULL ORDER BY sr.revision",
          "read source records");
      if (!q) return unexpected(q.error());
      (*q)->bind(1, **golden);
      for (;;) {
        auto row = (*q)->step();
        if (!row) return unexpected(store_error(row.error()));
        if (!*row) break;
        records.push_back((*q)->int64(0));
      }
    }
    for (const auto id : records) {
      auto r = conn->source_record(id);
      if (!r) return unexpected(r.error());
      if (*r) out.push_back(std::move(**r));
    }
    // The archive's order (SqliteCrmStore::archive_bundle).
    static constexpr std::pair<const char*, const char*> kTables[] = {
        {"Encounter", "encounters"},     {"ServiceRequest", "orders"},    {"ImagingStudy", "imaging_studies"},
        {"DiagnosticReport", "reports"}, {"Observation", "observations"}, {"DocumentReference", "documents"},
    };
    for (const auto& [type, table] : kTables) {
      auto q = conn->prepare(std::string("SELECT id, version, updated, resource FROM ") + table +
                                  " WHERE golden_id = ?1 AND resource <> '' ORDER BY effective, id",
                              "read archive");
      if (!q) return unexpected(q.error());
      (*q)->bind(1, **golden);
      for (;;) {
        auto row = (*q)->step();
        if (!row) return unexpected(store_error(row.error()));
        if (!*row) break;
        StoredResource r;
        r.type = type;
        r.id = std::to_string((*q)->int64(0));
        r.version = (*q)->int64(1);
        r.last_updated = (*q)->text(2);
        r.golden = **golden;
        auto json = archive::with_meta((*q)->text(3), type, r.id, r.version, r.last_updated);
        if (!json) return unexpected(corrupt("read archive"));
        r.json = std::move(*json);
        out.push_back(std::move(r));
      }
    }
    return R(std::move(out));
  });
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::find_by_key(std::string_view type, std::string_view sender,
                                                                        std::string_view key) {
  Lease conn(*this);
  return in_read(*conn, [&]() -> ArchiveResult<std::optional<StoredResource>> {
    const char* table = archive::table_of(type);
    if (table == nullptr) return std::optional<StoredResource>();
    auto q = conn->prepare(std::string("SELECT id FROM ") + table + " WHERE sender = ?1 AND key = ?2", "find by key");
    if (!q) return unexpected(q.error());
    auto id = (*q)->bind(1, sender).bind(2, key).single_int64();
    if (!id) return unexpected(store_error(id.error()));
    if (!*id) return std::optional<StoredResource>();
    return conn->current(type, std::to_string(**id));
  });
}

ArchiveResult<std::optional<StoredResource>> ArchiveReader::find_source_record(std::string_view sender,
                                                                               std::string_view system,
                                                                               std::string_view value) {
  Lease conn(*this);
  return in_read(*conn, [&]() -> ArchiveResult<std::optional<StoredResource>> {
    auto q = conn->prepare("SELECT id FROM source_records WHERE sender = ?1 AND key_system = ?2 AND key_value = ?3",
                            "find source record");
    if (!q) return unexpected(q.error());
    auto id = (*q)->bind(1, sender).bind(2, system).bind(3, value).single_int64();
    if (!id) return unexpected(store_error(id.error()));
    if (!*id) return std::optional<StoredResource>();
    return conn->source_record(**id);
  });
}

ArchiveResult<std::monostate> ArchiveReader::audit(const AuditEntry& entry) {
  Lease conn(*this);
  // IMMEDIATE: take the write lock (waiting up to busy_timeout) before anything is written.
  if (auto r = conn->exec("BEGIN IMMEDIATE", "audit: begin"); !r) return r;
  auto fail = [&](ArchiveError e) -> ArchiveResult<std::monostate> {
    conn->rollback();
    return unexpected(std::move(e));
  };
  std::set<std::int64_t> goldens(entry.goldens.begin(), entry.goldens.end());
  goldens.erase(0);
  const std::string at = utc_timestamp();
  auto insert = [&](std::optional<std::int64_t> golden) -> ArchiveResult<std::monostate> {
    auto q = conn->prepare(
        "INSERT INTO audit_log (at, client, action, resource_type, golden_id, query, outcome) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        "audit: write");
    if (!q) return unexpected(q.error());
    (*q)->bind(1, at).bind(2, entry.client).bind(3, entry.action).bind(4, entry.resource_type);
    (*q)->bind(5, golden).bind(6, entry.query).bind(7, entry.outcome);
    if (auto r = (*q)->run(); !r) return unexpected(archive::store_error(r.error()));
    return std::monostate{};
  };
  if (goldens.empty()) {
    if (auto r = insert(std::nullopt); !r) return fail(r.error());
  }
  for (const auto g : goldens) {
    if (auto r = insert(g); !r) return fail(r.error());
  }
  if (auto r = conn->exec("COMMIT", "audit: commit"); !r) return fail(r.error());
  return std::monostate{};
}

}  // namespace medgw::crmstore

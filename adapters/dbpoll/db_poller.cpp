#include "adapters/dbpoll/db_poller.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <random>

#include "gateway/core/log.hpp"

namespace medgw::dbpoll {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string unexpected_text(const OdbcError& e) {
  return e.describe();
}

}  // namespace

std::string checkpoint_name(const std::string& source) {
  return "dbpoll/" + source;
}

Expected<std::string, std::string> resolve_connection_string(const DbSourceConfig& c) {
  std::string password;
  bool has_password = false;
  if (!c.password_file.empty()) {
    std::ifstream in(c.password_file, std::ios::binary);
    if (!in) return unexpected("db_sources '" + c.name + "': password_file: cannot read '" + c.password_file + "'");
    std::getline(in, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    has_password = true;
  } else if (!c.password_env.empty()) {
    const char* v = std::getenv(c.password_env.c_str());
    if (v == nullptr) {
      return unexpected("db_sources '" + c.name + "': password_env: the environment variable " + c.password_env +
                        " is not set");
    }
    password = v;
    has_password = true;
  }
  std::string s = c.connection_string;
  if (has_password) {
    // ODBC connection string syntax: a braced value may hold ';'; a '}' inside is doubled.
    std::string braced;
    for (char ch : password) {
      braced += ch;
      if (ch == '}') braced += '}';
    }
    if (!s.empty() && s.back() != ';') s += ';';
    s += "PWD={" + braced + "};";
  }
  return s;
}

DbPoller::DbPoller(DbSourceConfig config, Queue& queue, std::function<bool()> paused)
    : config_(std::move(config)),
      queue_(queue),
      paused_(std::move(paused)),
      charset_(hl7v2::default_charset()),
      backoff_(config_.reconnect_base, config_.reconnect_max, std::random_device{}()) {}

DbPoller::~DbPoller() {
  stop();
}

std::optional<std::string> DbPoller::prepare_start() {
  if (prepared_) return std::nullopt;
  auto cs = hl7v2::find_charset(config_.encoding);
  if (!cs || !cs->supported)
    return "db_sources '" + config_.name + "': encoding: unknown charset '" + config_.encoding + "'";
  charset_ = *cs;
  auto conn = resolve_connection_string(config_);
  if (!conn) return conn.error();
  connection_string_ = std::move(*conn);
  watermark_ = Watermark{config_.initial_timestamp, config_.initial_key};
  if (auto stored = queue_.checkpoint(checkpoint_name(config_.name))) {
    auto w = decode_watermark(*stored);
    if (!w) return "db_sources '" + config_.name + "': the stored watermark is unreadable";
    watermark_ = std::move(*w);
  }
  prepared_ = true;
  return std::nullopt;
}

std::optional<std::string> DbPoller::start() {
  if (auto why = prepare_start()) return why;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void DbPoller::request_stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  stopping_ = true;
  stop_cv_.notify_all();
}

void DbPoller::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  drop_connection();
}

Watermark DbPoller::watermark() const {
  std::lock_guard<std::mutex> lock(watermark_mu_);
  return watermark_;
}

bool DbPoller::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void DbPoller::drop_connection() {
  update_.reset();
  query_.reset();
  conn_.reset();
}

Expected<bool, OdbcError> DbPoller::ensure_connected() {
  if (conn_ && query_) return true;
  drop_connection();
  counters_.connects.fetch_add(1, std::memory_order_relaxed);
  auto c = OdbcConnection::connect(connection_string_, config_.login_timeout_s);
  if (!c) return unexpected(std::move(c).error());
  auto q = (*c)->prepare(config_.query, config_.query_timeout_s);
  if (!q) return unexpected(std::move(q).error());
  if ((*q)->parameter_count() != config_.params.size()) {
    return unexpected(OdbcError{"SQLPrepare", "07002",
                                "the query has " + std::to_string((*q)->parameter_count()) + " parameter markers but " +
                                    std::to_string(config_.params.size()) + " params are configured",
                                0});
  }
  if (config_.has_write_back) {
    auto u = (*c)->prepare(config_.write_back.statement, config_.query_timeout_s);
    if (!u) return unexpected(std::move(u).error());
    if ((*u)->parameter_count() != config_.write_back.params.size()) {
      return unexpected(OdbcError{"SQLPrepare", "07002",
                                  "the write-back statement has " + std::to_string((*u)->parameter_count()) +
                                      " parameter markers but " + std::to_string(config_.write_back.params.size()) +
                                      " params are configured",
                                  0});
    }
    update_ = std::move(*u);
    // The poll's read and its write-backs are one transaction, ended by poll_once.
    if (auto a = (*c)->set_autocommit(false); !a) return unexpected(std::move(a).error());
  }
  conn_ = std::move(*c);
  query_ = std::move(*q);
  log::info("dbpoll.connected", {{"source", config_.name}});
  return true;
}

Expected<std::size_t, std::string> DbPoller::poll_once() {
  if (auto why = prepare_start()) return unexpected(std::move(*why));
  auto fail = [this](std::string why, const char* event) -> Expected<std::size_t, std::string> {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    log::error(event, {{"source", config_.name}, {"error", why}});
    drop_connection();
    return unexpected(std::move(why));
  };
  if (auto c = ensure_connected(); !c) return fail(c.error().describe(), "dbpoll.connect_failed");

  const Watermark from = watermark();
  std::vector<Value> params;
  params.reserve(config_.params.size());
  for (const auto& p : config_.params) {
    switch (p.kind) {
      case Parameter::Kind::kWatermarkTimestamp:
        params.emplace_back(from.timestamp);
        break;
      case Parameter::Kind::kWatermarkKey:
        params.emplace_back(from.key);
        break;
      case Parameter::Kind::kBatchSize:
        params.emplace_back(std::to_string(config_.batch_size));
        break;
      case Parameter::Kind::kColumn:
        params.emplace_back(std::nullopt);  // refused by the config for the query
        break;
    }
  }
  counters_.polls.fetch_add(1, std::memory_order_relaxed);
  if (auto r = query_->execute(params); !r) return fail(r.error().describe(), "dbpoll.query_failed");
  auto names = query_->columns();
  if (!names) return fail(names.error().describe(), "dbpoll.query_failed");
  auto layout = find_layout(*names, charset_, config_.timestamp_column, config_.key_column, config_.ordering_column);
  if (!layout) return fail(layout.error(), "dbpoll.query_failed");

  std::vector<Row> rows;
  while (rows.size() < config_.batch_size) {
    auto row = query_->fetch(config_.max_value_bytes);
    if (!row) return fail(row.error().describe(), "dbpoll.query_failed");
    if (!*row) break;
    rows.push_back(std::move(**row));
  }
  query_->close_cursor();
  if (config_.has_write_back && rows.empty()) {
    conn_->commit();  // ends the read's transaction (autocommit is off with a write-back)
  }
  if (rows.empty()) {
    failures_ = 0;
    return std::size_t{0};
  }

  SourceBatch batch;
  batch.checkpoint_name = checkpoint_name(config_.name);
  batch.envelopes.reserve(rows.size());
  const std::int64_t now = now_ms();
  for (const auto& row : rows) {
    auto e = row_envelope(config_.name, *layout, row, charset_, now);
    if (!e) return fail(e.error(), "dbpoll.query_failed");
    batch.envelopes.push_back(std::move(*e));
  }
  const Row& last = rows.back();
  const Watermark to{*last[layout->timestamp], *last[layout->key]};
  batch.checkpoint = encode_watermark(to);

  std::promise<std::pair<std::error_code, std::vector<AppendResult>>> stored;
  auto done = stored.get_future();
  queue_.append_batch(std::move(batch), [&stored](std::error_code ec, std::vector<AppendResult> results) {
    stored.set_value({ec, std::move(results)});
  });
  auto [ec, results] = done.get();
  if (ec) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    log::error("dbpoll.store_failed", {{"source", config_.name}, {"error", ec.message()}});
    // Nothing was stored and the watermark did not move: the next poll reads the same rows.
    if (config_.has_write_back) conn_->rollback();
    return unexpected("queue: " + ec.message());
  }
  std::uint64_t dups = 0;
  for (const auto& r : results) dups += r.duplicate ? 1 : 0;
  counters_.rows.fetch_add(rows.size(), std::memory_order_relaxed);
  counters_.duplicates.fetch_add(dups, std::memory_order_relaxed);
  counters_.batches.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(watermark_mu_);
    watermark_ = to;
  }
  failures_ = 0;
  log::debug("dbpoll.stored",
             {{"source", config_.name}, {"rows", static_cast<std::uint64_t>(rows.size())}, {"duplicates", dups}});
  if (config_.has_write_back) write_back(rows, *layout);
  return rows.size();
}

void DbPoller::write_back(const std::vector<Row>& rows, const RowLayout& layout) {
  auto column_of = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < layout.names.size(); ++i) {
      if (iequals(layout.names[i], name)) return i;
    }
    return std::nullopt;
  };
  std::string why;
  for (const auto& row : rows) {
    std::vector<Value> params;
    for (const auto& p : config_.write_back.params) {
      if (p.kind == Parameter::Kind::kColumn) {
        auto i = column_of(p.column);
        if (!i) {
          why = "the query returns no column '" + p.column + "' (write_back.params)";
          break;
        }
        params.push_back(row[*i]);
      } else if (p.kind == Parameter::Kind::kWatermarkKey) {
        params.push_back(row[layout.key]);
      } else if (p.kind == Parameter::Kind::kWatermarkTimestamp) {
        params.push_back(row[layout.timestamp]);
      } else {
        params.emplace_back(std::to_string(config_.batch_size));
      }
    }
    if (!why.empty()) break;
    if (auto r = update_->execute(params); !r) {
      why = unexpected_text(r.error());
      break;
    }
  }
  if (why.empty()) {
    if (auto c = conn_->commit(); !c) why = unexpected_text(c.error());
  }
  if (!why.empty()) {
    conn_->rollback();
    counters_.write_back_failures.fetch_add(1, std::memory_order_relaxed);
    log::error("dbpoll.write_back_failed", {{"source", config_.name}, {"error", why}});
    drop_connection();
  }
}

void DbPoller::run() {
  log::info("dbpoll.started", {{"source", config_.name}});
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      if (stopping_) break;
    }
    if (paused_ && paused_()) {
      if (!sleep_for(std::chrono::milliseconds(100))) break;
      continue;
    }
    auto n = poll_once();
    if (!n) {
      ++failures_;
      if (!sleep_for(std::chrono::milliseconds(backoff_.delay_ms(failures_)))) break;
      continue;
    }
    if (*n >= config_.batch_size) continue;  // more may be waiting
    if (!sleep_for(config_.poll_interval)) break;
  }
  drop_connection();
  log::info("dbpoll.stopped", {{"source", config_.name},
                               {"rows", counters_.rows.load()},
                               {"duplicates", counters_.duplicates.load()},
                               {"errors", counters_.errors.load()}});
}

}  // namespace medgw::dbpoll

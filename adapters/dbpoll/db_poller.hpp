#pragma once
// Polls one database source (DbSourceConfig) on its own thread: ODBC calls block, so they never
// run on the event loop (DESIGN.md, principle 5).
//
// One poll: bind the watermark (and the batch size) into the operator's query, fetch at most
// batch_size rows, turn each into an envelope (row_envelope.hpp) and store them with the new
// watermark in one synced queue write (Queue::append_batch). The poller moves on only after that
// write succeeded, so after a crash the stored watermark never covers a row that is not stored,
// and a row read again (the write made it, the process died before moving on) is answered as a
// duplicate by its dedupe key: nothing lost, nothing doubled.
//
// Batch size: the poller stops fetching after batch_size rows and closes the cursor, whatever the
// query does; binding `batch_size` into the query's own LIMIT ?/FETCH FIRST ? ROWS ONLY as well
// spares the database the rest of the result. A full batch polls again at once; a short one
// waits poll_interval.
//
// The watermark (timestamp, key) needs the query to order by exactly those columns and to select
// rows strictly after the pair: `WHERE ts > ? OR (ts = ? AND key > ?) ORDER BY ts, key`. Rows
// that share a timestamp are then neither skipped nor repeated. A row committed later with a
// timestamp already passed is not seen: the vendor's column must grow with commit order (or the
// query may lag behind now(), e.g. `AND ts < now() - interval '5 seconds'`).
//
// Any ODBC failure (connection lost, the database restarting, a query error) is logged with the
// database's message, the connection is dropped and opened again after a full-jitter backoff.
//
// Write-back (status-flag tables): after the commit, the configured UPDATE runs once per row
// taken, in one database transaction. Its failure is logged and counted; the rows are already
// stored, and if the table keeps offering them they come back as duplicates.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "adapters/dbpoll/db_source_config.hpp"
#include "adapters/dbpoll/odbc.hpp"
#include "adapters/dbpoll/row_envelope.hpp"
#include "gateway/core/expected.hpp"
#include "gateway/core/queue.hpp"
#include "mappings/hl7v2/charset.hpp"
#include "queue/backoff.hpp"

namespace medgw::dbpoll {

struct DbPollerCounters {
  std::atomic<std::uint64_t> polls{0};       // queries executed
  std::atomic<std::uint64_t> rows{0};        // rows read and stored (duplicates included)
  std::atomic<std::uint64_t> duplicates{0};  // rows the queue already held
  std::atomic<std::uint64_t> batches{0};     // synced queue writes
  std::atomic<std::uint64_t> errors{0};      // failed connects, queries and queue writes
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> write_back_failures{0};
};

// The connection string with the password (password_file or password_env) appended as
// PWD={...}. Errors name the key; the password itself appears in no error.
Expected<std::string, std::string> resolve_connection_string(const DbSourceConfig& config);

// The checkpoint name of a source in the queue.
std::string checkpoint_name(const std::string& source);

class DbPoller {
 public:
  // `paused` (may be empty): true while the queue is too full to take more (backpressure).
  DbPoller(DbSourceConfig config, Queue& queue, std::function<bool()> paused = {});
  ~DbPoller();
  DbPoller(const DbPoller&) = delete;
  DbPoller& operator=(const DbPoller&) = delete;

  // Resolves the connection string and the encoding and starts the thread. An error (start-up
  // time) names what to fix. The database need not be up: the thread connects with backoff.
  std::optional<std::string> start();
  // Asks the thread to stop after its current ODBC call and queue write; does not wait.
  void request_stop();
  // request_stop() and waits for the thread.
  void stop();

  // One poll on the caller's thread (the thread's loop body; tests drive it directly). Returns
  // the number of rows stored, or the error that was logged (the connection is dropped then).
  Expected<std::size_t, std::string> poll_once();

  const DbSourceConfig& config() const { return config_; }
  const DbPollerCounters& counters() const { return counters_; }
  Watermark watermark() const;

 private:
  std::optional<std::string> prepare_start();
  void run();
  // Sleeps up to `d`, less if asked to stop; false when stopping.
  bool sleep_for(std::chrono::milliseconds d);
  Expected<bool, OdbcError> ensure_connected();
  void drop_connection();
  void write_back(const std::vector<Row>& rows, const RowLayout& layout);

  DbSourceConfig config_;
  Queue& queue_;
  std::function<bool()> paused_;
  std::string connection_string_;  // holds the password: never logged
  hl7v2::Charset charset_;
  bool prepared_ = false;

  std::unique_ptr<OdbcConnection> conn_;
  std::unique_ptr<OdbcStatement> query_;
  std::unique_ptr<OdbcStatement> update_;
  Watermark watermark_;
  mutable std::mutex watermark_mu_;
  queue::Backoff backoff_;
  std::uint32_t failures_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  DbPollerCounters counters_;
};

using DbPollerPtr = std::unique_ptr<DbPoller>;

}  // namespace medgw::dbpoll

#include "queue/rocksdb_queue.hpp"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "gateway/core/log.hpp"
#include "queue/backoff.hpp"
#include "queue/counter_merge.hpp"
#include "queue/key_codec.hpp"
#include "queue/prezeroed_wal_fs.hpp"
#include "queue/queue_error.hpp"
#include "queue/record_codec.hpp"
#include "queue/schedule.hpp"

namespace medgw::queue {
namespace {

enum Cf : std::size_t { kDefault, kEnvelopes, kStates, kOrder, kTerminal, kDedupe, kDedupeTime, kMeta, kCfCount };
constexpr const char* kCfNames[kCfCount] = {"default",  "envelopes", "states",      "order",
                                            "terminal", "dedupe",    "dedupe_time", "meta"};

constexpr std::string_view kMetaFormat = "format";
constexpr std::string_view kFormatValue = "medgw-queue/1";
constexpr std::string_view kMetaLastId = "last_id";
constexpr std::string_view kCounterAppended = "counter.appended";
constexpr std::string_view kCounterDuplicates = "counter.duplicates";
constexpr std::string_view kCounterRejected = "counter.rejected";
constexpr std::string_view kCounterDelivered = "counter.delivered";
// Where retention's work ended: list() and the next expiry scan start there, not at the
// tombstones below.
constexpr std::string_view kMetaTerminalFloor = "retention.terminal_floor";
constexpr std::string_view kMetaDedupeFloor = "retention.dedupe_floor";
// Polling sources' checkpoints (append_batch), each under its own name.
constexpr std::string_view kMetaCheckpointPrefix = "checkpoint.";

std::string checkpoint_key(std::string_view name) {
  std::string key(kMetaCheckpointPrefix);
  key += name;
  return key;
}

constexpr auto kDelivered = static_cast<std::uint8_t>(EnvelopeStatus::kDelivered);
constexpr auto kRejected = static_cast<std::uint8_t>(EnvelopeStatus::kRejected);

// Keys handled per chunk when rebuilding at open and when expiring dedupe entries.
constexpr std::size_t kChunk = 1024;

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t id_floor_of_time(std::int64_t ms) {
  return ms > 0 ? static_cast<std::uint64_t>(ms) << 16 : 0;
}

// One call's worth of work for the committer: an append (or append_rejected), or a source's
// whole batch with its checkpoint, which is never split across writes.
struct Pending {
  Envelope envelope;
  std::optional<std::string> reject_reason;  // set: append_rejected
  AppendCallback done;
  // append_batch: the envelopes (envelope above unused) and the checkpoint written with them.
  bool is_group = false;
  std::vector<Envelope> group;
  std::string checkpoint_name, checkpoint;
  BatchCallback group_done;

  std::size_t bytes() const {
    if (!is_group) return envelope.raw.size();
    std::size_t n = 0;
    for (const auto& e : group) n += e.raw.size();
    return n;
  }
  std::size_t count() const { return is_group ? group.size() : 1; }
};

// An envelope of a commit: which Pending it came from.
struct Slot {
  Pending* p;
  Envelope* e;
  std::size_t pending_index;
};

}  // namespace

struct RocksDbQueue::Impl {
  RocksDbQueueOptions opt;
  std::function<std::int64_t()> clock;
  std::unique_ptr<rocksdb::Env> wal_env;  // outlives db: the file system its WALs are written through
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  rocksdb::WriteOptions synced;

  // Guards the schedule, busy, closed, active_ops, terminal_floor and the backoff RNG.
  mutable std::mutex mu;
  std::condition_variable cv;  // busy ids cleared, active_ops dropped
  Schedule schedule;
  Backoff backoff;
  std::unordered_set<std::uint64_t> busy;  // ids whose change (or lease read) is being written
  int active_ops = 0;                      // threads using the database outside mu
  bool closed = false;
  std::uint64_t terminal_floor = 0;  // the terminal index holds nothing below this id (retention)

  std::atomic<std::uint64_t> appended{0}, duplicates{0}, rejected{0}, delivered{0};
  std::atomic<std::uint64_t> depth{0}, parked{0};
  std::atomic<std::uint64_t> fsyncs{0}, fsynced_appends{0}, state_writes{0};

  // The committer's inbox.
  std::mutex append_mu;
  std::condition_variable append_cv;
  std::deque<Pending> pending;
  bool stopping = false;
  bool crashing = false;
  std::thread committer;
  std::thread::id committer_id;  // set before the queue is handed out, constant afterwards

  // Held by the committer while it decides and writes a batch, and by retention while it
  // touches what the committer owns (dedupe entries, the id space below the cutoff).
  std::mutex commit_mu;
  std::uint64_t last_id = 0;
  std::string dedupe_floor;  // dedupe_time keys below were removed by retention

  std::mutex close_mu;

  explicit Impl(RocksDbQueueOptions o)
      : opt(std::move(o)),
        clock(opt.clock_ms ? opt.clock_ms : std::function<std::int64_t()>(system_now_ms)),
        schedule(opt.park_policy),
        backoff(opt.backoff_base, opt.backoff_max, opt.rng_seed ? *opt.rng_seed : std::random_device{}()) {
    synced.sync = true;
  }

  ~Impl() { release_db(); }

  void release_db() {
    if (!db) return;
    for (auto* h : cf) {
      if (h != nullptr) db->DestroyColumnFamilyHandle(h);
    }
    cf.clear();
    db->Close();
    db.reset();
  }

  // Stats the schedule owns; called under mu after every change of it.
  void publish() {
    depth.store(schedule.size(), std::memory_order_relaxed);
    parked.store(schedule.parked(), std::memory_order_relaxed);
  }

  // Marks a use of the database outside mu; close() waits for it to end.
  class DbUse {
   public:
    explicit DbUse(Impl& q) : q_(q) {
      std::lock_guard lk(q_.mu);
      ok_ = !q_.closed;
      if (ok_) ++q_.active_ops;
    }
    ~DbUse() {
      if (!ok_) return;
      std::lock_guard lk(q_.mu);
      if (--q_.active_ops == 0) q_.cv.notify_all();
    }
    DbUse(const DbUse&) = delete;
    DbUse& operator=(const DbUse&) = delete;
    explicit operator bool() const { return ok_; }

   private:
    Impl& q_;
    bool ok_ = false;
  };

  // ---- open ---------------------------------------------------------------------------------

  std::string open_db() {
    // RocksDB creates only the last path component; a fresh deployment's ./var/queue needs all.
    if (opt.env == nullptr) {
      std::error_code mkdir_error;
      std::filesystem::create_directories(opt.path, mkdir_error);
      if (mkdir_error) return "cannot create the queue directory " + opt.path + ": " + mkdir_error.message();
    }
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    o.keep_log_file_num = 4;
    // Quiet families (meta, dedupe_time) would otherwise pin old WAL files for a long time.
    o.max_total_wal_size = 256u << 20;
    o.write_buffer_size = std::max<std::size_t>(opt.write_buffer_bytes, 64u << 10);
    o.db_write_buffer_size = 4 * o.write_buffer_size;
    // One committer thread does almost all writes: nobody to spin-wait for, and spinning takes a
    // core from the listeners on small machines.
    o.enable_write_thread_adaptive_yield = false;
    if (opt.env != nullptr) {
      o.env = opt.env;
    } else if (opt.wal_zero_ahead_bytes > 0) {
      wal_env =
          rocksdb::NewCompositeEnv(make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), opt.wal_zero_ahead_bytes));
      o.env = wal_env.get();
    }

    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (std::size_t i = 0; i < kCfCount; ++i) {
      rocksdb::ColumnFamilyOptions c(o);
      if (i == kMeta) c.merge_operator = make_counter_merge_operator();
      // Almost every dedupe lookup is for a control id never seen: bloom filters in the memtable
      // and the table files answer "absent" without searching them.
      if (i == kDedupe) {
        c.memtable_prefix_bloom_size_ratio = 0.05;
        c.memtable_whole_key_filtering = true;
        rocksdb::BlockBasedTableOptions table;
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        table.whole_key_filtering = true;
        c.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      }
      // Every key of the order index is deleted once its envelope is delivered: compact files
      // dense with tombstones early, so the scan at open and the heads stay cheap.
      if (i == kOrder) {
        c.table_properties_collector_factories.push_back(rocksdb::NewCompactOnDeletionCollectorFactory(1024, 512, 0.5));
      }
      descs.emplace_back(kCfNames[i], c);
    }
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DBOptions dbo(o);
    auto s = rocksdb::DB::Open(dbo, opt.path, descs, &handles, &raw);
    if (!s.ok()) return "cannot open the queue at " + opt.path + ": " + s.ToString();
    db.reset(raw);
    cf = std::move(handles);
    return {};
  }

  std::string check_format() {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf[kMeta], slice(kMetaFormat), &value);
    if (s.ok()) {
      if (value != kFormatValue) {
        return "the queue at " + opt.path + " has format '" + value + "'; this medgw reads '" +
               std::string(kFormatValue) + "'";
      }
      return {};
    }
    if (!s.IsNotFound()) return "cannot read the queue at " + opt.path + ": " + s.ToString();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kEnvelopes]));
    it->SeekToFirst();
    if (it->Valid()) return "the database at " + opt.path + " holds envelopes but no queue format marker";
    s = db->Put(synced, cf[kMeta], slice(kMetaFormat), slice(kFormatValue));
    if (!s.ok()) return "cannot initialise the queue at " + opt.path + ": " + s.ToString();
    return {};
  }

  std::string load_counters() {
    auto read = [&](std::string_view key, std::atomic<std::uint64_t>& into) -> bool {
      std::string v;
      auto s = db->Get(rocksdb::ReadOptions(), cf[kMeta], slice(key), &v);
      if (s.IsNotFound()) return true;
      if (!s.ok()) return false;
      into.store(static_cast<std::uint64_t>(std::max<std::int64_t>(0, decode_counter(v))));
      return true;
    };
    if (!read(kCounterAppended, appended) || !read(kCounterDuplicates, duplicates) ||
        !read(kCounterRejected, rejected) || !read(kCounterDelivered, delivered)) {
      return "cannot read the queue counters at " + opt.path;
    }
    std::string v;
    auto s = db->Get(rocksdb::ReadOptions(), cf[kMeta], slice(kMetaLastId), &v);
    if (s.ok() && v.size() == 8) last_id = get_be64(v);
    if (db->Get(rocksdb::ReadOptions(), cf[kMeta], slice(kMetaTerminalFloor), &v).ok() && v.size() == 8) {
      terminal_floor = get_be64(v);
    }
    if (db->Get(rocksdb::ReadOptions(), cf[kMeta], slice(kMetaDedupeFloor), &v).ok()) dedupe_floor = v;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kEnvelopes]));
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8) last_id = std::max(last_id, get_be64({it->key().data(), 8}));
    return {};
  }

  // One pass over the order index (undelivered envelopes only) and their states.
  std::string rebuild_schedule() {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kOrder]));
    std::vector<OrderKey> chunk;
    auto flush = [&]() -> std::string {
      std::vector<std::string> keys;
      keys.reserve(chunk.size());
      for (const auto& k : chunk) keys.push_back(id_key(k.id));
      std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
      std::vector<rocksdb::PinnableSlice> values(chunk.size());
      std::vector<rocksdb::Status> statuses(chunk.size());
      db->MultiGet(rocksdb::ReadOptions(), cf[kStates], slices.size(), slices.data(), values.data(), statuses.data());
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        const std::string id = std::to_string(chunk[i].id);
        if (!statuses[i].ok())
          return "envelope " + id + " is in the order index without a state: " + statuses[i].ToString();
        auto st = decode_state({values[i].data(), values[i].size()});
        if (!st) return "the state of envelope " + id + " is unreadable: " + to_string(st.error());
        if (st->status != EnvelopeStatus::kReady && st->status != EnvelopeStatus::kParked) {
          return "envelope " + id + " is in the order index but " + medgw::to_string(st->status);
        }
        schedule.add(chunk[i].id, chunk[i].ordering_key, ScheduledItem{st->status, st->attempts, st->not_before_ms});
      }
      chunk.clear();
      return {};
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto key = parse_order_key({it->key().data(), it->key().size()});
      if (!key) return "the order index of " + opt.path + " holds a malformed key";
      chunk.push_back(std::move(*key));
      if (chunk.size() == kChunk) {
        if (auto e = flush(); !e.empty()) return e;
      }
    }
    if (!it->status().ok()) return "cannot read the order index of " + opt.path + ": " + it->status().ToString();
    if (auto e = flush(); !e.empty()) return e;
    publish();
    return {};
  }

  // ---- the committer ------------------------------------------------------------------------

  void run_committer() {
    std::vector<Pending> batch;
    for (;;) {
      batch.clear();
      {
        std::unique_lock lk(append_mu);
        append_cv.wait(lk, [&] { return !pending.empty() || stopping; });
        if (opt.max_batch_wait.count() > 0 && !stopping && pending.size() < opt.max_batch) {
          append_cv.wait_for(lk, opt.max_batch_wait, [&] { return pending.size() >= opt.max_batch || stopping; });
        }
        if (crashing) {
          pending.clear();  // a killed process never answers these
          return;
        }
        if (pending.empty()) return;  // stopping, and drained
        std::size_t bytes = 0, count = 0;
        while (!pending.empty() && (batch.empty() || (count + pending.front().count() <= opt.max_batch &&
                                                      bytes + pending.front().bytes() <= opt.max_batch_bytes))) {
          bytes += pending.front().bytes();
          count += pending.front().count();
          batch.push_back(std::move(pending.front()));
          pending.pop_front();
        }
      }
      commit(batch);
    }
  }

  std::uint64_t next_id(std::int64_t now) {
    last_id = std::max(last_id + 1, id_floor_of_time(now));
    return last_id;
  }

  void commit(std::vector<Pending>& batch) {
    struct Outcome {
      std::error_code error;
      std::uint64_t id = 0;
      bool duplicate = false;
      bool stored = false;  // an accepted (not rejected) envelope written by this batch
      std::string ack;
    };
    std::vector<Slot> slots;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      if (p.is_group) {
        for (auto& e : p.group) slots.push_back(Slot{&p, &e, i});
      } else {
        slots.push_back(Slot{&p, &p.envelope, i});
      }
    }
    std::vector<Outcome> out(slots.size());
    std::vector<std::error_code> group_error(batch.size());  // a group stores all or nothing
    std::uint64_t n_appended = 0, n_duplicates = 0, n_rejected = 0;
    rocksdb::Status written;
    bool wrote_checkpoint = false;
    {
      std::lock_guard cl(commit_mu);
      const std::int64_t now = clock();
      const bool dedupe = opt.dedupe_window.count() > 0;
      auto dedupes = [&](const Slot& sl) { return dedupe && !sl.p->reject_reason && !sl.e->dedupe_key.empty(); };

      // Dedupe keys stored by earlier batches, in one MultiGet.
      std::vector<std::optional<DedupeRecord>> seen(slots.size());
      {
        std::vector<std::size_t> index;
        std::vector<rocksdb::Slice> keys;
        for (std::size_t i = 0; i < slots.size(); ++i) {
          if (!dedupes(slots[i])) continue;
          index.push_back(i);
          keys.push_back(slice(slots[i].e->dedupe_key));
        }
        if (!keys.empty()) {
          std::vector<rocksdb::PinnableSlice> values(keys.size());
          std::vector<rocksdb::Status> statuses(keys.size());
          db->MultiGet(rocksdb::ReadOptions(), cf[kDedupe], keys.size(), keys.data(), values.data(), statuses.data());
          for (std::size_t j = 0; j < keys.size(); ++j) {
            if (statuses[j].IsNotFound()) continue;
            if (!statuses[j].ok()) {
              // Without the answer we cannot tell a duplicate from a new message: store nothing,
              // the sender gets no ACK and sends again.
              out[index[j]].error = QueueErrc::kReadFailed;
              if (slots[index[j]].p->is_group) group_error[slots[index[j]].pending_index] = QueueErrc::kReadFailed;
              log::error("queue.dedupe_read_failed", {{"error", statuses[j].ToString()}});
              continue;
            }
            auto rec = decode_dedupe({values[j].data(), values[j].size()});
            if (!rec) {
              log::warn("queue.dedupe_record_corrupt", {{"error", to_string(rec.error())}});
              continue;  // treated as unseen: storing twice beats losing a message
            }
            if (now - rec->stored_at_ms < opt.dedupe_window.count()) seen[index[j]] = std::move(*rec);
          }
        }
      }

      rocksdb::WriteBatch wb;
      std::unordered_map<std::string_view, std::size_t> first;  // dedupe key -> its original here
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const Slot& sl = slots[i];
        Envelope& e = *sl.e;
        Outcome& o = out[i];
        if (o.error) continue;
        if (sl.p->is_group && group_error[sl.pending_index]) continue;
        if (dedupes(sl)) {
          if (auto f = first.find(e.dedupe_key); f != first.end()) {
            o.duplicate = true;
            o.id = out[f->second].id;
            o.ack = slots[f->second].e->ack;
            ++n_duplicates;
            continue;
          }
          if (seen[i]) {
            o.duplicate = true;
            o.id = seen[i]->id;
            o.ack = std::move(seen[i]->ack);
            ++n_duplicates;
            continue;
          }
        }
        e.id = next_id(now);
        if (e.received_at_ms == 0) e.received_at_ms = now;
        o.id = e.id;
        const std::string key = id_key(e.id);
        wb.Put(cf[kEnvelopes], key, encode_envelope(e));
        if (sl.p->reject_reason) {
          wb.Put(cf[kStates], key, encode_state({EnvelopeStatus::kRejected, 0, 0, *sl.p->reject_reason}));
          wb.Put(cf[kTerminal], terminal_key(kRejected, e.id), rocksdb::Slice());
          ++n_rejected;
          continue;
        }
        wb.Put(cf[kStates], key, encode_state({EnvelopeStatus::kReady, 0, 0, {}}));
        wb.Put(cf[kOrder], order_key(e.ordering_key, e.id), rocksdb::Slice());
        if (dedupes(sl)) {
          wb.Put(cf[kDedupe], slice(e.dedupe_key), encode_dedupe({e.id, now, e.ack}));
          wb.Put(cf[kDedupeTime], dedupe_time_key(now, e.dedupe_key), rocksdb::Slice());
          first.emplace(e.dedupe_key, i);
        }
        o.stored = true;
        ++n_appended;
      }
      // A group whose envelopes were all duplicates still moves its checkpoint: the source has
      // read past them.
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].is_group || group_error[i]) continue;
        wb.Put(cf[kMeta], checkpoint_key(batch[i].checkpoint_name), batch[i].checkpoint);
        wrote_checkpoint = true;
      }
      if (n_appended)
        wb.Merge(cf[kMeta], slice(kCounterAppended), encode_counter(static_cast<std::int64_t>(n_appended)));
      if (n_rejected)
        wb.Merge(cf[kMeta], slice(kCounterRejected), encode_counter(static_cast<std::int64_t>(n_rejected)));
      if (n_duplicates) {
        wb.Merge(cf[kMeta], slice(kCounterDuplicates), encode_counter(static_cast<std::int64_t>(n_duplicates)));
      }
      const std::uint64_t stored = n_appended + n_rejected;
      if (stored > 0 || wrote_checkpoint) {
        if (stored > 0) wb.Put(cf[kMeta], slice(kMetaLastId), id_key(last_id));
        written = db->Write(synced, &wb);
        if (written.ok()) {
          fsyncs.fetch_add(1, std::memory_order_relaxed);
          fsynced_appends.fetch_add(stored, std::memory_order_relaxed);
        }
      } else if (n_duplicates > 0) {
        // Only duplicates: their originals are already durable; the counter need not be synced.
        written = db->Write(rocksdb::WriteOptions(), &wb);
      }

      if (!written.ok()) {
        log::error("queue.append_write_failed", {{"error", written.ToString()}, {"batch", slots.size()}});
        for (auto& o : out) {
          if (!o.error) o = Outcome{QueueErrc::kWriteFailed, 0, false, false, {}};
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          if (batch[i].is_group && !group_error[i]) group_error[i] = QueueErrc::kWriteFailed;
        }
      } else {
        std::lock_guard lk(mu);
        for (std::size_t i = 0; i < slots.size(); ++i) {
          if (out[i].stored) schedule.add(out[i].id, slots[i].e->ordering_key, ScheduledItem{});
        }
        appended.fetch_add(n_appended, std::memory_order_relaxed);
        rejected.fetch_add(n_rejected, std::memory_order_relaxed);
        duplicates.fetch_add(n_duplicates, std::memory_order_relaxed);
        publish();
      }
    }
    // Completions, in order; a group's after all of its envelopes are known.
    std::size_t k = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      if (!p.is_group) {
        Outcome& o = out[k++];
        if (p.done) p.done(AppendResult{o.error, o.id, o.duplicate, std::move(o.ack)});
        continue;
      }
      std::vector<AppendResult> results;
      if (!group_error[i]) {
        results.reserve(p.group.size());
        for (std::size_t j = 0; j < p.group.size(); ++j) {
          Outcome& o = out[k + j];
          results.push_back(AppendResult{o.error, o.id, o.duplicate, std::move(o.ack)});
        }
      }
      k += p.group.size();
      if (p.group_done) p.group_done(group_error[i], std::move(results));
    }
  }

  void enqueue(Pending p) {
    {
      std::lock_guard lk(append_mu);
      if (!stopping) {
        pending.push_back(std::move(p));
        append_cv.notify_one();
        return;
      }
    }
    if (p.done) p.done(AppendResult{QueueErrc::kClosed, 0, false, {}});
    if (p.group_done) p.group_done(QueueErrc::kClosed, {});
  }

  std::optional<std::string> read_checkpoint(const std::string& name) {
    DbUse use(*this);
    if (!use) return std::nullopt;
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf[kMeta], checkpoint_key(name), &value);
    if (!s.ok()) {
      if (!s.IsNotFound()) log::error("queue.checkpoint_read_failed", {{"error", s.ToString()}});
      return std::nullopt;
    }
    return value;
  }

  // ---- lease and its state changes ----------------------------------------------------------

  // Parks an envelope whose record cannot be read, so an operator sees it instead of a worker
  // spinning on it. Under mu; the envelope is leased.
  void park_unreadable(std::uint64_t id, std::uint32_t attempts, const std::string& why) {
    log::error("queue.envelope_unreadable", {{"id", id}, {"error", why}});
    rocksdb::WriteBatch wb;
    wb.Put(cf[kStates], id_key(id), encode_state({EnvelopeStatus::kParked, attempts, 0, "unreadable record: " + why}));
    auto s = db->Write(synced, &wb);
    const ScheduledItem* item = schedule.find(id);
    if (s.ok()) {
      state_writes.fetch_add(1, std::memory_order_relaxed);
      schedule.park(id, attempts);
    } else {
      schedule.retry(id, attempts, item->not_before_ms);
    }
    publish();
  }

  std::optional<Lease> lease() {
    // A few tries: an unreadable head is parked and the next one taken.
    for (int tries = 0; tries < 8; ++tries) {
      std::uint64_t id = 0;
      std::uint32_t attempts = 0;
      {
        std::lock_guard lk(mu);
        if (closed) return std::nullopt;
        auto got = schedule.lease(clock());
        if (!got) return std::nullopt;
        id = *got;
        attempts = schedule.find(id)->attempts;
        busy.insert(id);
        ++active_ops;
      }
      std::string value;
      auto s = db->Get(rocksdb::ReadOptions(), cf[kEnvelopes], id_key(id), &value);
      std::unique_lock lk(mu);
      busy.erase(id);
      --active_ops;
      cv.notify_all();
      if (closed) return std::nullopt;
      if (s.ok()) {
        auto env = decode_envelope(value);
        if (env && env->id == id) return Lease{std::move(*env), attempts + 1};
        park_unreadable(id, attempts, env ? "id mismatch" : to_string(env.error()));
        continue;
      }
      if (s.IsNotFound()) {
        park_unreadable(id, attempts, "envelope record missing");
        continue;
      }
      log::error("queue.lease_read_failed", {{"id", id}, {"error", s.ToString()}});
      schedule.retry(id, attempts, schedule.find(id)->not_before_ms);
      return std::nullopt;
    }
    return std::nullopt;
  }

  enum class Change { kAck, kNack, kPark, kReplay };

  std::error_code change(std::uint64_t id, Change kind, std::string reason, bool retryable) {
    std::unique_lock lk(mu);
    for (;;) {
      if (closed) return QueueErrc::kClosed;
      if (!busy.count(id)) break;
      cv.wait(lk);
    }
    const ScheduledItem* item = schedule.find(id);
    if (item == nullptr) return QueueErrc::kNotFound;
    const EnvelopeStatus from = item->status;
    switch (kind) {
      case Change::kAck:
      case Change::kNack:
        if (from != EnvelopeStatus::kLeased) return QueueErrc::kWrongState;
        break;
      case Change::kPark:
        if (from != EnvelopeStatus::kLeased && from != EnvelopeStatus::kReady) return QueueErrc::kWrongState;
        break;
      case Change::kReplay:
        if (from != EnvelopeStatus::kParked) return QueueErrc::kWrongState;
        break;
    }

    EnvelopeState next;
    switch (kind) {
      case Change::kAck:
        next = {EnvelopeStatus::kDelivered, item->attempts, 0, {}};
        break;
      case Change::kNack: {
        const std::uint32_t attempts = item->attempts + 1;
        if (!retryable || attempts >= opt.max_attempts) {
          next = {EnvelopeStatus::kParked, attempts, 0, std::move(reason)};
        } else {
          const std::int64_t not_before = clock() + backoff.delay_ms(attempts);
          // 0 means "no backoff" in the schedule; a clock at 0 exists only in tests.
          next = {EnvelopeStatus::kReady, attempts, std::max<std::int64_t>(not_before, 1), std::move(reason)};
        }
        break;
      }
      case Change::kPark:
        next = {EnvelopeStatus::kParked, item->attempts, 0, std::move(reason)};
        break;
      case Change::kReplay:
        next = {EnvelopeStatus::kReady, 0, 0, {}};
        break;
    }

    rocksdb::WriteBatch wb;
    const std::string key = id_key(id);
    wb.Put(cf[kStates], key, encode_state(next));
    if (kind == Change::kAck) {
      wb.Delete(cf[kOrder], order_key(schedule.ordering_key_of(id), id));
      wb.Put(cf[kTerminal], terminal_key(kDelivered, id), rocksdb::Slice());
      wb.Merge(cf[kMeta], slice(kCounterDelivered), encode_counter(1));
    }

    // A worker's change to its own lease is written outside the lock, so workers' writes overlap
    // (RocksDB syncs them together); the id is busy meanwhile. An operator's change to an envelope
    // nobody holds keeps the lock, so no worker leases it between the write and the update.
    const bool hold = from != EnvelopeStatus::kLeased;
    if (!hold) {
      busy.insert(id);
      ++active_ops;
      lk.unlock();
    }
    const auto s = db->Write(synced, &wb);
    if (!hold) {
      lk.lock();
      busy.erase(id);
      --active_ops;
      cv.notify_all();
    }
    if (!s.ok()) {
      log::error("queue.state_write_failed", {{"id", id}, {"error", s.ToString()}});
      return QueueErrc::kWriteFailed;
    }
    state_writes.fetch_add(1, std::memory_order_relaxed);
    switch (next.status) {
      case EnvelopeStatus::kDelivered:
        schedule.remove(id);
        delivered.fetch_add(1, std::memory_order_relaxed);
        break;
      case EnvelopeStatus::kParked:
        schedule.park(id, next.attempts);
        break;
      case EnvelopeStatus::kReady:
        if (kind == Change::kReplay) {
          schedule.replay(id);
        } else {
          schedule.retry(id, next.attempts, next.not_before_ms);
        }
        break;
      default:
        std::abort();
    }
    publish();
    return {};
  }

  // Acks of envelopes this worker holds, in one synced WriteBatch: a CRM store commits a batch of
  // change sets in one transaction, and one fsync per message here would cap the pipeline at the
  // disk's fsync rate. Only leased envelopes can be acked, and a leased one is touched by no one
  // else, so the write happens outside the lock like a single ack's.
  std::vector<std::error_code> ack_all(const std::vector<std::uint64_t>& ids) {
    std::vector<std::error_code> results(ids.size());
    std::vector<std::uint64_t> writing;
    rocksdb::WriteBatch wb;
    {
      std::unique_lock lk(mu);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::uint64_t id = ids[i];
        if (closed) {
          results[i] = QueueErrc::kClosed;
          continue;
        }
        const ScheduledItem* item = busy.count(id) ? nullptr : schedule.find(id);
        if (item == nullptr) {
          results[i] = busy.count(id) ? QueueErrc::kWrongState : QueueErrc::kNotFound;
          continue;
        }
        if (item->status != EnvelopeStatus::kLeased) {
          results[i] = QueueErrc::kWrongState;
          continue;
        }
        const std::string key = id_key(id);
        wb.Put(cf[kStates], key, encode_state({EnvelopeStatus::kDelivered, item->attempts, 0, {}}));
        wb.Delete(cf[kOrder], order_key(schedule.ordering_key_of(id), id));
        wb.Put(cf[kTerminal], terminal_key(kDelivered, id), rocksdb::Slice());
        busy.insert(id);
        writing.push_back(id);
      }
      if (writing.empty()) return results;
      wb.Merge(cf[kMeta], slice(kCounterDelivered), encode_counter(static_cast<std::int64_t>(writing.size())));
      ++active_ops;
    }
    const auto s = db->Write(synced, &wb);
    std::unique_lock lk(mu);
    for (auto id : writing) busy.erase(id);
    --active_ops;
    cv.notify_all();
    if (!s.ok()) {
      log::error("queue.state_write_failed",
                 {{"ids", static_cast<std::uint64_t>(writing.size())}, {"error", s.ToString()}});
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!results[i]) results[i] = QueueErrc::kWriteFailed;
      }
      return results;
    }
    state_writes.fetch_add(1, std::memory_order_relaxed);
    for (auto id : writing) schedule.remove(id);
    delivered.fetch_add(writing.size(), std::memory_order_relaxed);
    publish();
    return results;
  }

  // ---- reads --------------------------------------------------------------------------------

  std::optional<Envelope> get(std::uint64_t id) {
    DbUse use(*this);
    if (!use) return std::nullopt;
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf[kEnvelopes], id_key(id), &value);
    if (!s.ok()) return std::nullopt;
    auto env = decode_envelope(value);
    if (!env || env->id != id) {
      log::error("queue.envelope_unreadable", {{"id", id}, {"error", env ? "id mismatch" : to_string(env.error())}});
      return std::nullopt;
    }
    return std::move(*env);
  }

  std::optional<EnvelopeState> state(std::uint64_t id) {
    DbUse use(*this);
    if (!use) return std::nullopt;
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf[kStates], id_key(id), &value);
    if (!s.ok()) return std::nullopt;
    auto st = decode_state(value);
    if (!st) {
      log::error("queue.state_unreadable", {{"id", id}, {"error", to_string(st.error())}});
      return std::nullopt;
    }
    // Memory is ahead of the disk only for leases (never stored) and changes being written.
    std::lock_guard lk(mu);
    if (const ScheduledItem* item = schedule.find(id)) {
      st->status = item->status;
      st->attempts = item->attempts;
      st->not_before_ms = item->not_before_ms;
    }
    return std::move(*st);
  }

  std::vector<std::uint64_t> list(EnvelopeStatus status, std::size_t limit) {
    if (status != EnvelopeStatus::kDelivered && status != EnvelopeStatus::kRejected) {
      std::lock_guard lk(mu);
      return schedule.list(status, limit);
    }
    std::vector<std::uint64_t> ids;
    DbUse use(*this);
    if (!use || limit == 0) return ids;
    const auto s = static_cast<std::uint8_t>(status);
    std::string lower;
    {
      std::lock_guard lk(mu);
      lower = terminal_key(s, terminal_floor);  // below: removed by retention, skip its tombstones
    }
    const std::string upper(1, static_cast<char>(s + 1));
    const rocksdb::Slice lower_s(lower), upper_s(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_s;
    ro.iterate_upper_bound = &upper_s;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kTerminal]));
    for (it->Seek(lower_s); it->Valid() && ids.size() < limit; it->Next()) {
      if (auto id = parse_terminal_key({it->key().data(), it->key().size()}, s)) ids.push_back(*id);
    }
    return ids;
  }

  // ---- retention ----------------------------------------------------------------------------

  Expected<RetentionReport, std::error_code> run_retention() {
    DbUse use(*this);
    if (!use) return unexpected(std::error_code(QueueErrc::kClosed));
    RetentionReport report;
    std::int64_t now = 0;
    {
      std::lock_guard cl(commit_mu);  // no id below the cutoff can be handed out meanwhile
      now = clock();
      report.cutoff_id = id_floor_of_time(now - opt.retention.count());
      std::vector<std::uint64_t> undelivered;
      {
        std::lock_guard lk(mu);
        undelivered = schedule.ids_below(report.cutoff_id, std::max<std::size_t>(1, opt.retention_max_gaps));
      }
      // Too many old undelivered envelopes to step around in one run: stop at the last one seen.
      const std::uint64_t bound = undelivered.size() >= std::max<std::size_t>(1, opt.retention_max_gaps)
                                      ? undelivered.back()
                                      : report.cutoff_id;
      // list() may start at `floor`: below it no terminal entry is left, and none can appear (an
      // undelivered envelope stepped around may still be delivered later).
      const std::uint64_t floor =
          std::max(terminal_floor_snapshot(), undelivered.empty() ? bound : std::min(bound, undelivered.front()));
      std::vector<std::pair<std::string, std::string>> ranges;
      std::uint64_t start = 0;
      for (std::uint64_t u : undelivered) {
        if (u >= bound) break;
        if (u > start) ranges.emplace_back(id_key(start), id_key(u));
        start = u + 1;
      }
      if (bound > start) ranges.emplace_back(id_key(start), id_key(bound));
      rocksdb::WriteBatch wb;
      for (const auto& [from, to] : ranges) {
        wb.DeleteRange(cf[kEnvelopes], from, to);
        wb.DeleteRange(cf[kStates], from, to);
      }
      wb.DeleteRange(cf[kTerminal], terminal_key(kDelivered, 0), terminal_key(kDelivered, bound));
      wb.DeleteRange(cf[kTerminal], terminal_key(kRejected, 0), terminal_key(kRejected, bound));
      wb.Put(cf[kMeta], slice(kMetaTerminalFloor), id_key(floor));
      if (auto s = db->Write(synced, &wb); !s.ok()) {
        log::error("queue.retention_write_failed", {{"error", s.ToString()}});
        return unexpected(std::error_code(QueueErrc::kWriteFailed));
      }
      // Drop whole SST files inside the ranges now instead of waiting for compaction to meet the
      // tombstones: the disk space comes back at once.
      std::vector<rocksdb::Slice> bounds;
      bounds.reserve(2 * ranges.size());
      for (const auto& [from, to] : ranges) {
        bounds.emplace_back(from);
        bounds.emplace_back(to);
      }
      std::vector<rocksdb::RangePtr> range_ptrs;
      for (std::size_t i = 0; i < ranges.size(); ++i) range_ptrs.emplace_back(&bounds[2 * i], &bounds[2 * i + 1]);
      for (Cf family : {kEnvelopes, kStates}) {
        if (range_ptrs.empty()) break;
        auto s = rocksdb::DeleteFilesInRanges(db.get(), cf[family], range_ptrs.data(), range_ptrs.size(), false);
        if (!s.ok()) log::warn("queue.retention_delete_files_failed", {{"error", s.ToString()}});
      }
      report.removed_below = bound;
      report.ranges = ranges.size();
      std::lock_guard lk(mu);
      terminal_floor = floor;
    }
    if (opt.dedupe_window.count() > 0) {
      auto expired = expire_dedupe(now - opt.dedupe_window.count());
      if (!expired) return unexpected(expired.error());
      report.dedupe_expired = *expired;
    }
    log::info("queue.retention", {{"removed_below_id", report.removed_below},
                                  {"ranges", static_cast<std::uint64_t>(report.ranges)},
                                  {"dedupe_expired", report.dedupe_expired}});
    return report;
  }

  // Removes dedupe entries stored before `cutoff_ms`, a chunk at a time, releasing the committer
  // between chunks. An entry re-stored since its time-index key was written (the key expired and
  // came again) is newer than the cutoff and stays.
  Expected<std::uint64_t, std::error_code> expire_dedupe(std::int64_t cutoff_ms) {
    std::uint64_t removed = 0;
    const std::string upper = dedupe_time_key(cutoff_ms, {});
    for (;;) {
      std::lock_guard cl(commit_mu);
      const rocksdb::Slice lower_s(dedupe_floor), upper_s(upper);
      rocksdb::ReadOptions ro;
      ro.iterate_lower_bound = &lower_s;
      ro.iterate_upper_bound = &upper_s;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kDedupeTime]));
      rocksdb::WriteBatch wb;
      std::size_t n = 0;
      std::string last;
      for (it->Seek(lower_s); it->Valid() && n < kChunk; it->Next(), ++n) {
        auto tk = parse_dedupe_time_key({it->key().data(), it->key().size()});
        last = it->key().ToString();
        if (!tk) continue;
        std::string value;
        auto s = db->Get(rocksdb::ReadOptions(), cf[kDedupe], tk->dedupe_key, &value);
        if (!s.ok()) continue;
        auto rec = decode_dedupe(value);
        if (!rec || rec->stored_at_ms < cutoff_ms) {
          wb.Delete(cf[kDedupe], tk->dedupe_key);
          ++removed;
        }
      }
      if (!it->status().ok()) {
        log::error("queue.retention_read_failed", {{"error", it->status().ToString()}});
        return unexpected(std::error_code(QueueErrc::kReadFailed));
      }
      const bool done = n < kChunk;
      // The time index up to and including the last key read goes in the same write.
      std::string next_floor = done ? upper : last + '\0';
      if (next_floor > dedupe_floor) {
        wb.DeleteRange(cf[kDedupeTime], dedupe_floor, next_floor);
        wb.Put(cf[kMeta], slice(kMetaDedupeFloor), next_floor);
      }
      if (wb.Count() > 0) {
        if (auto s = db->Write(synced, &wb); !s.ok()) {
          log::error("queue.retention_write_failed", {{"error", s.ToString()}});
          return unexpected(std::error_code(QueueErrc::kWriteFailed));
        }
      }
      dedupe_floor = std::max(dedupe_floor, next_floor);
      if (done) return removed;
    }
  }

  std::uint64_t terminal_floor_snapshot() {
    std::lock_guard lk(mu);
    return terminal_floor;
  }

  // ---- shutdown -----------------------------------------------------------------------------

  void stop(bool crash) {
    if (std::this_thread::get_id() == committer_id) {
      // From an append callback: the committer would wait for itself. A programming error.
      log::error("queue.close_from_callback", {});
      std::abort();
    }
    std::lock_guard cl(close_mu);
    {
      std::lock_guard lk(append_mu);
      stopping = true;
      if (crash) crashing = true;
    }
    append_cv.notify_all();
    if (committer.joinable()) committer.join();
    {
      std::unique_lock lk(mu);
      closed = true;
      cv.notify_all();  // waiters on busy ids give up
      cv.wait(lk, [&] { return active_ops == 0; });
    }
    release_db();
  }
};

// ---- RocksDbQueue -------------------------------------------------------------------------------

Expected<std::unique_ptr<RocksDbQueue>, std::string> RocksDbQueue::open(RocksDbQueueOptions options) {
  if (options.path.empty()) return unexpected(std::string("the queue needs a path"));
  if (options.max_batch == 0) options.max_batch = 1;
  const auto started = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>(std::move(options));
  for (auto step : {&Impl::open_db, &Impl::check_format, &Impl::load_counters, &Impl::rebuild_schedule}) {
    if (auto error = (impl.get()->*step)(); !error.empty()) return unexpected(std::move(error));
  }
  log::info("queue.open", {{"depth", impl->depth.load()},
                           {"parked", impl->parked.load()},
                           {"keys", static_cast<std::uint64_t>(impl->schedule.keys())},
                           {"appended", impl->appended.load()},
                           {"delivered", impl->delivered.load()},
                           {"ms", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                std::chrono::steady_clock::now() - started)
                                                                .count())}});
  Impl* raw = impl.get();
  impl->committer = std::thread([raw] { raw->run_committer(); });
  impl->committer_id = impl->committer.get_id();
  return std::unique_ptr<RocksDbQueue>(new RocksDbQueue(std::move(impl)));
}

RocksDbQueue::RocksDbQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbQueue::~RocksDbQueue() {
  close();
}

void RocksDbQueue::close() {
  impl_->stop(false);
}

void RocksDbQueue::simulate_crash() {
  impl_->stop(true);
}

void RocksDbQueue::append(Envelope envelope, AppendCallback done) {
  Pending p;
  p.envelope = std::move(envelope);
  p.done = std::move(done);
  impl_->enqueue(std::move(p));
}

void RocksDbQueue::append_rejected(Envelope envelope, std::string reason, AppendCallback done) {
  Pending p;
  p.envelope = std::move(envelope);
  p.reject_reason = std::move(reason);
  p.done = std::move(done);
  impl_->enqueue(std::move(p));
}

void RocksDbQueue::append_batch(SourceBatch batch, BatchCallback done) {
  Pending p;
  p.is_group = true;
  p.group = std::move(batch.envelopes);
  p.checkpoint_name = std::move(batch.checkpoint_name);
  p.checkpoint = std::move(batch.checkpoint);
  p.group_done = std::move(done);
  impl_->enqueue(std::move(p));
}

std::optional<std::string> RocksDbQueue::checkpoint(const std::string& name) {
  return impl_->read_checkpoint(name);
}

std::optional<Lease> RocksDbQueue::lease() {
  return impl_->lease();
}

std::error_code RocksDbQueue::ack(std::uint64_t id) {
  return impl_->change(id, Impl::Change::kAck, {}, false);
}

std::vector<std::error_code> RocksDbQueue::ack_all(const std::vector<std::uint64_t>& ids) {
  return impl_->ack_all(ids);
}

std::error_code RocksDbQueue::nack(std::uint64_t id, std::string reason, bool retryable) {
  return impl_->change(id, Impl::Change::kNack, std::move(reason), retryable);
}

std::error_code RocksDbQueue::park(std::uint64_t id, std::string reason) {
  return impl_->change(id, Impl::Change::kPark, std::move(reason), false);
}

std::error_code RocksDbQueue::replay(std::uint64_t id) {
  return impl_->change(id, Impl::Change::kReplay, {}, false);
}

std::optional<Envelope> RocksDbQueue::get(std::uint64_t id) {
  return impl_->get(id);
}

std::optional<EnvelopeState> RocksDbQueue::state(std::uint64_t id) {
  return impl_->state(id);
}

std::vector<std::uint64_t> RocksDbQueue::list(EnvelopeStatus status, std::size_t limit) {
  return impl_->list(status, limit);
}

QueueStats RocksDbQueue::stats() const {
  const Impl& q = *impl_;
  QueueStats s;
  s.appended = q.appended.load(std::memory_order_relaxed);
  s.duplicates = q.duplicates.load(std::memory_order_relaxed);
  s.rejected = q.rejected.load(std::memory_order_relaxed);
  s.delivered = q.delivered.load(std::memory_order_relaxed);
  s.parked = q.parked.load(std::memory_order_relaxed);
  s.depth = q.depth.load(std::memory_order_relaxed);
  s.fsyncs = q.fsyncs.load(std::memory_order_relaxed);
  s.fsynced_appends = q.fsynced_appends.load(std::memory_order_relaxed);
  s.state_writes = q.state_writes.load(std::memory_order_relaxed);
  return s;
}

Expected<RetentionReport, std::error_code> RocksDbQueue::run_retention() {
  return impl_->run_retention();
}

std::optional<std::int64_t> RocksDbQueue::next_ready_at_ms() const {
  std::lock_guard lk(impl_->mu);
  return impl_->schedule.next_not_before();
}

}  // namespace medgw::queue

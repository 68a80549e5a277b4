#pragma once
// A RocksDB FileSystem whose write-ahead logs are overwritten, never extended, by each write.
//
// Why. Every append is acknowledged only after its WAL write is fdatasync'd. When that write makes
// the file longer (RocksDB appends; its preallocation keeps the size), fdatasync must also commit
// the inode's new size, and on ext4 that is a journal commit: 0.6-1.7 ms per sync on this
// project's VM. Overwriting blocks that already hold data changes no metadata, and the same
// fdatasync is a cache flush of the data alone: about 0.2 ms. With one message outstanding per
// connection, that sync time is the ACK latency and bounds throughput (connections / latency).
//
// How. Each WAL file (*.log) gets real zeros written ahead of RocksDB's writes, a chunk at a time,
// through a second descriptor: RocksDB's writes then land inside the file's size. Everything else
// passes through unchanged. RocksDB itself trims a WAL to its written length when it closes it.
//
// Recovery. After a crash the active WAL ends in zeros. RocksDB's log reader treats a zero
// header (type 0, length 0) as preallocation padding and reads on to the end of the file, so the
// recovered records are exactly those synced before the crash, as with a WAL that ends at EOF
// (the kill -9 crash test, tests/e2e/test_crash.py, checks this with the real binary). RocksDB's
// own remedy, recycle_log_file_num, is refused with point-in-time recovery in 7.8 and crashes
// its flush thread when forced on with kSkipAnyCorruptedRecords.
#include <cstddef>
#include <memory>

namespace rocksdb {
class FileSystem;
}

namespace medgw::queue {

// Wraps `base`; zeros are written `chunk_bytes` at a time, at least that far ahead of the last
// write.
std::shared_ptr<rocksdb::FileSystem> make_prezeroed_wal_fs(std::shared_ptr<rocksdb::FileSystem> base,
                                                           std::size_t chunk_bytes);

}  // namespace medgw::queue

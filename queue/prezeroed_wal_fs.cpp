#include "queue/prezeroed_wal_fs.hpp"

#include <fcntl.h>
#include <rocksdb/file_system.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace medgw::queue {
namespace {

bool is_wal(const std::string& fname) {
  return fname.size() > 4 && fname.compare(fname.size() - 4, 4, ".log") == 0;
}

rocksdb::IOStatus io_error(const std::string& what, const std::string& fname, int err) {
  return rocksdb::IOStatus::IOError(what + " " + fname, std::strerror(err));
}

// Writes go to `target` as before; zeros are kept at least one chunk ahead of them, through
// `fd_`, so each of RocksDB's writes overwrites data already in the file.
class PrezeroedWalFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  PrezeroedWalFile(std::unique_ptr<rocksdb::FSWritableFile> target, std::string fname, int fd, std::size_t chunk)
      : FSWritableFileOwnerWrapper(std::move(target)), fname_(std::move(fname)), fd_(fd), chunk_(chunk) {}

  ~PrezeroedWalFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (auto s = zero_ahead(written_ + data.size()); !s.ok()) return s;
    auto s = target()->Append(data, options, dbg);
    if (s.ok()) written_ += data.size();
    return s;
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& verification_info,
                           rocksdb::IODebugContext* dbg) override {
    if (auto s = zero_ahead(written_ + data.size()); !s.ok()) return s;
    auto s = target()->Append(data, options, verification_info, dbg);
    if (s.ok()) written_ += data.size();
    return s;
  }

  // Positioned writes are for direct I/O, which the queue does not use: passed through, with the
  // written length kept right for Close.
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    auto s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) written_ = std::max<uint64_t>(written_, offset + data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& verification_info,
                                     rocksdb::IODebugContext* dbg) override {
    auto s = target()->PositionedAppend(data, offset, options, verification_info, dbg);
    if (s.ok()) written_ = std::max<uint64_t>(written_, offset + data.size());
    return s;
  }

  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    auto s = target()->Truncate(size, options, dbg);
    if (s.ok()) written_ = size;
    return s;
  }

  // A closed WAL ends where its records end: the zeros ahead are cut off (RocksDB trims a
  // preallocated file too; this also covers a file it did not preallocate).
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    auto s = target()->Close(options, dbg);
    if (fd_ >= 0) {
      if (s.ok() && zeroed_ > written_ && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0) {
        s = io_error("cannot trim the zeros after", fname_, errno);
      }
      ::close(fd_);
      fd_ = -1;
    }
    return s;
  }

 private:
  rocksdb::IOStatus zero_ahead(uint64_t end) {
    if (fd_ < 0 || end + chunk_ <= zeroed_) return rocksdb::IOStatus::OK();
    static const std::vector<char> zeros(1u << 20, '\0');
    const uint64_t target_end = ((end + chunk_) / chunk_ + 1) * chunk_;
    while (zeroed_ < target_end) {
      const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(zeros.size(), target_end - zeroed_));
      const ssize_t w = ::pwrite(fd_, zeros.data(), n, static_cast<off_t>(zeroed_));
      if (w < 0) {
        if (errno == EINTR) continue;
        return io_error("cannot write zeros ahead in", fname_, errno);
      }
      zeroed_ += static_cast<uint64_t>(w);
    }
    return rocksdb::IOStatus::OK();
  }

  std::string fname_;
  int fd_;
  std::size_t chunk_;
  uint64_t written_ = 0;  // bytes RocksDB has written
  uint64_t zeroed_ = 0;   // the file holds zeros (or RocksDB's data) up to here
};

class PrezeroedWalFs final : public rocksdb::FileSystemWrapper {
 public:
  PrezeroedWalFs(const std::shared_ptr<rocksdb::FileSystem>& base, std::size_t chunk)
      : FileSystemWrapper(base), chunk_(chunk) {}

  static const char* kClassName() { return "MedgwPrezeroedWalFs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& file_opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(fname, file_opts, result, dbg);
    if (!s.ok() || !is_wal(fname) || file_opts.use_direct_writes) return s;
    const int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open for zeroing", fname, errno);
    *result = std::make_unique<PrezeroedWalFile>(std::move(*result), fname, fd, chunk_);
    return s;
  }

 private:
  std::size_t chunk_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> make_prezeroed_wal_fs(std::shared_ptr<rocksdb::FileSystem> base,
                                                           std::size_t chunk_bytes) {
  return std::make_shared<PrezeroedWalFs>(base, chunk_bytes == 0 ? (1u << 20) : chunk_bytes);
}

}  // namespace medgw::queue

// The pre-zeroed WAL file system (queue/prezeroed_wal_fs.hpp): WAL files hold zeros ahead of
// RocksDB's writes, a closed WAL ends where its records end, other files are untouched, and, the
// point of it all, a database whose files are copied while it runs (what a crash leaves on disk:
// a WAL ending in zeros) opens with every synced write.
#include "queue/prezeroed_wal_fs.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "queue_test_support.hpp"

namespace medgw::queue {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kChunk = 64 * 1024;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<rocksdb::FSWritableFile> create(rocksdb::FileSystem& fs, const fs::path& p) {
  std::unique_ptr<rocksdb::FSWritableFile> f;
  EXPECT_TRUE(fs.NewWritableFile(p.string(), rocksdb::FileOptions(), &f, nullptr).ok());
  return f;
}

TEST(PrezeroedWalFs, AWalHoldsZerosAheadOfItsWritesAndEndsAtThemWhenClosed) {
  test::TempDir dir;
  auto wal_fs = make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), kChunk);
  const fs::path base(dir.path());
  fs::create_directories(base);
  const fs::path wal = base / "000007.log";
  auto f = create(*wal_fs, wal);
  ASSERT_TRUE(f);
  const std::string record(1000, 'r');
  std::size_t written = 0;
  for (int i = 0; i < 200; ++i) {  // 200 KB: crosses several chunks
    ASSERT_TRUE(f->Append(record, rocksdb::IOOptions(), nullptr).ok());
    ASSERT_TRUE(f->Sync(rocksdb::IOOptions(), nullptr).ok());
    written += record.size();
    const auto size = fs::file_size(wal);
    ASSERT_GE(size, written + kChunk) << "after " << written << " bytes";
  }
  const std::string on_disk = read_all(wal);
  EXPECT_EQ(on_disk.substr(0, written), std::string(written, 'r'));
  EXPECT_EQ(on_disk.find_first_not_of('\0', written), std::string::npos) << "only zeros after the records";
  ASSERT_TRUE(f->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(fs::file_size(wal), written);
}

TEST(PrezeroedWalFs, OtherFilesAreWrittenAsBefore) {
  test::TempDir dir;
  auto wal_fs = make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), kChunk);
  const fs::path base(dir.path());
  fs::create_directories(base);
  const fs::path sst = base / "000008.sst";
  auto f = create(*wal_fs, sst);
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->Append(std::string(100, 's'), rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(f->Flush(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(fs::file_size(sst), 100u);
  ASSERT_TRUE(f->Close(rocksdb::IOOptions(), nullptr).ok());
}

TEST(PrezeroedWalFs, ADatabaseCopiedWhileRunningOpensWithEverySyncedWrite) {
  test::TempDir dir;
  const fs::path live = fs::path(dir.path()) / "live";
  const fs::path image = fs::path(dir.path()) / "image";
  fs::create_directories(dir.path());
  auto env = rocksdb::NewCompositeEnv(make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), kChunk));
  rocksdb::Options o;
  o.create_if_missing = true;
  o.env = env.get();
  rocksdb::WriteOptions synced;
  synced.sync = true;
  constexpr int kKeys = 3000;
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, live.string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_TRUE(db->Put(synced, "key" + std::to_string(i), std::string(300, static_cast<char>('a' + i % 26))).ok());
    }
    // What a crash leaves: the files as they are now, the WAL still open and ending in zeros.
    bool zero_tail = false;
    for (const auto& e : fs::directory_iterator(live)) {
      if (e.path().extension() == ".log" && fs::file_size(e.path()) > 0) {
        const std::string bytes = read_all(e.path());
        zero_tail = zero_tail || bytes.back() == '\0';
      }
    }
    EXPECT_TRUE(zero_tail) << "the open WAL should end in zeros written ahead";
    fs::copy(live, image, fs::copy_options::recursive);
    fs::remove(image / "LOCK");
  }
  rocksdb::Options reopen;  // the default file system: recovery does not depend on the wrapper
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(reopen, image.string(), &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  for (int i = 0; i < kKeys; ++i) {
    std::string v;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "key" + std::to_string(i), &v).ok()) << i;
    EXPECT_EQ(v, std::string(300, static_cast<char>('a' + i % 26)));
  }
  // And it keeps working: new writes after recovery are readable after another reopen.
  ASSERT_TRUE(db->Put(synced, "after", "recovery").ok());
  db.reset();
  ASSERT_TRUE(rocksdb::DB::Open(reopen, image.string(), &raw).ok());
  db.reset(raw);
  std::string v;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "after", &v).ok());
  EXPECT_EQ(v, "recovery");
}

}  // namespace
}  // namespace medgw::queue

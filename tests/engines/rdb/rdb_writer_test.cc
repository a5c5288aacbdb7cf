// The RDB writer and its output sinks: the memory sink gives the file sink's bytes exactly; a
// fixed-buffer sink (the shape of the remote stream) gets its buffers filled in place, each handed
// on once and in order; a sink that fails mid-stream stops the writer, and a failing file sink
// leaves no temporary file and never touches the final one; calls out of order are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/crc64.h"
#include "engines/rdb/file_sink.h"
#include "engines/rdb/memory_sink.h"
#include "engines/rdb/memory_source.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdb/rdb_writer.h"
#include "tests/engines/rdb/rdb_test_util.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb {
namespace {

using Code = Status::Code;
using rpbench::rdb::testing::kFixedCtime;
using rpbench::rdb::testing::sample_store;
using rpbench::testing::contents;
using rpbench::testing::read_file;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using rpbench::testing::write_file;
using ::testing::HasSubstr;

RdbWriterOptions fixed_options() {
  RdbWriterOptions o;
  o.ctime = kFixedCtime;
  o.used_mem = 12345678;
  o.producer = "rdb-test";
  return o;
}

// The store serialized into a string through the memory sink.
std::string to_memory(const kvstore::KvStore& store) {
  std::string out;
  MemorySink sink(&out);
  const RdbWriteResult r = write_rdb(store, &sink, fixed_options());
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.bytes, static_cast<int64_t>(out.size()));
  EXPECT_EQ(r.digest, store.digest());
  return out;
}

TEST(MemorySink, SameBytesAsTheFileSinkWhateverItsBuffer) {
  TempDir dir;
  const kvstore::KvStore store = sample_store();
  const std::string mem = to_memory(store);
  for (size_t buffer : {size_t{100}, size_t{4096}, size_t{65536}, size_t{1} << 20}) {
    RdbWriteOptions opt;
    opt.file.buffer_bytes = buffer;
    opt.writer = fixed_options();
    const std::string path = dir.file("dump-" + std::to_string(buffer) + ".rdb");
    const RdbWriteResult r = save_rdb_file(store, path + ".tmp", path, opt);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_TRUE(read_file(path) == mem) << "file sink with a " << buffer << "-byte buffer";
    EXPECT_EQ(r.digest, store.digest());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  // The stream holds the AUX fields asked for, and loads back.
  EXPECT_NE(mem.find("rdb-test"), std::string::npos);
  kvstore::KvStore back;
  MemorySource src(mem);
  const RdbLoadResult lr = load_rdb(&src, &back);
  ASSERT_TRUE(lr.status.ok()) << lr.status.to_string();
  EXPECT_TRUE(lr.checksum_verified);
  EXPECT_EQ(contents(back), contents(store));
}

TEST(MemorySink, AppendsToAStringAndFillsACallersBuffer) {
  const kvstore::KvStore store = sample_store();
  const std::string mem = to_memory(store);

  std::string prefixed = "prefix";
  {
    MemorySink sink(&prefixed);
    ASSERT_TRUE(write_rdb(store, &sink, fixed_options()).status.ok());
    EXPECT_EQ(sink.bytes(), mem.size());
  }
  EXPECT_TRUE(prefixed == "prefix" + mem);

  std::vector<char> exact(mem.size());
  MemorySink fits(exact.data(), exact.size());
  const RdbWriteResult r = write_rdb(store, &fits, fixed_options());
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(fits.bytes(), mem.size());
  EXPECT_TRUE(std::string(exact.data(), exact.size()) == mem);

  std::vector<char> small(mem.size() - 1);
  MemorySink short_by_one(small.data(), small.size());
  const RdbWriteResult full = write_rdb(store, &short_by_one, fixed_options());
  EXPECT_EQ(full.status.code(), Code::kResourceExhausted) << full.status.to_string();
  EXPECT_THAT(full.status.message(), HasSubstr("buffer of " + std::to_string(small.size()) + " bytes is full"));
  EXPECT_EQ(full.bytes, 0);
}

// The shape of the remote stream's sink: N fixed buffers used in turn; a buffer is handed on
// (here: appended to `received`) when it is full, the last partial one at finish(). It checks the
// contract as a strict peer would: windows only inside the current buffer, right after the bytes
// committed; commits within the window; no buffer handed on twice for the same filling; nothing
// after finish().
class FixedBufferSink final : public OutputSink {
 public:
  FixedBufferSink(size_t buffers, size_t bytes) : bufs_(buffers, std::vector<char>(bytes)), fills_(buffers, 0) {}

  Status reserve(std::span<char>* window) override {
    EXPECT_FALSE(finished_) << "reserve after finish";
    EXPECT_EQ(lent_, 0u) << "reserve while a window is out";
    std::vector<char>& b = bufs_[cur_];
    lent_ = b.size() - fill_;
    EXPECT_GT(lent_, 0u);
    *window = std::span<char>(b.data() + fill_, lent_);
    ++reserves_;
    return Status::Ok();
  }
  Status commit(size_t n) override {
    EXPECT_FALSE(finished_) << "commit after finish";
    EXPECT_LE(n, lent_) << "commit beyond the window";
    lent_ = 0;
    fill_ += n;
    if (fill_ == bufs_[cur_].size()) hand_on();
    return Status::Ok();
  }
  Status finish() override {
    EXPECT_FALSE(finished_) << "finished twice";
    if (fill_ > 0) hand_on();
    finished_ = true;
    return Status::Ok();
  }

  const std::string& received() const { return received_; }
  size_t handed_on() const { return handed_.size(); }
  size_t reserves() const { return reserves_; }
  bool finished() const { return finished_; }

 private:
  void hand_on() {
    // (buffer, how many times it was filled before): each pair at most once.
    const bool fresh = handed_.insert({cur_, fills_[cur_]++}).second;
    EXPECT_TRUE(fresh) << "buffer " << cur_ << " handed on twice for one filling";
    received_.append(bufs_[cur_].data(), fill_);
    cur_ = (cur_ + 1) % bufs_.size();
    fill_ = 0;
  }

  std::vector<std::vector<char>> bufs_;
  std::vector<size_t> fills_;
  std::set<std::pair<size_t, size_t>> handed_;
  std::string received_;
  size_t cur_ = 0;
  size_t fill_ = 0;
  size_t lent_ = 0;
  size_t reserves_ = 0;
  bool finished_ = false;
};

TEST(FixedBufferSink, BuffersFilledInPlaceHandedOnOnceAndInOrder) {
  const kvstore::KvStore store = sample_store();
  const std::string mem = to_memory(store);
  // Buffers smaller than a key, of odd size, and larger than the writer's commit interval.
  for (size_t bytes : {size_t{7}, size_t{1000}, size_t{4096}, RdbWriter::kMaxWindow + 1000}) {
    FixedBufferSink sink(3, bytes);
    const RdbWriteResult r = write_rdb(store, &sink, fixed_options());
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_TRUE(sink.finished());
    EXPECT_TRUE(sink.received() == mem) << bytes << "-byte buffers: the bytes arrive whole and in order";
    EXPECT_EQ(sink.handed_on(), (mem.size() + bytes - 1) / bytes);
    if (bytes > RdbWriter::kMaxWindow) {
      EXPECT_GT(sink.reserves(), sink.handed_on()) << "the writer commits parts of a large window";
    }
  }
}

TEST(RdbWriter, IncrementalWriteDigestBytesAndChecksum) {
  std::string out;
  MemorySink sink(&out);
  RdbWriter w(&sink, fixed_options());
  ASSERT_TRUE(w.begin(3).ok());
  ContentDigest want;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(w.put(test_key(i), test_value(i, 0, 10)).ok());
    want.add(test_key(i), test_value(i, 0, 10));
  }
  ASSERT_TRUE(w.put("", "").ok()) << "an empty key and value are a pair like any other";
  want.add("", "");
  ASSERT_TRUE(w.finish().ok());
  EXPECT_EQ(w.digest(), want);
  EXPECT_EQ(w.bytes(), static_cast<int64_t>(out.size()));
  ASSERT_GT(out.size(), 9u);
  EXPECT_EQ(w.checksum(), crc64(0, out.data(), out.size() - 8)) << "the CRC covers every byte before it";
  EXPECT_EQ(out.substr(0, 9), "REDIS0010");
  EXPECT_EQ(static_cast<unsigned char>(out[out.size() - 9]), kOpEof);

  kvstore::KvStore back;
  MemorySource src(out);
  const RdbLoadResult lr = load_rdb(&src, &back);
  ASSERT_TRUE(lr.status.ok()) << lr.status.to_string();
  EXPECT_EQ(lr.keys, 4);
}

TEST(RdbWriter, CallsOutOfOrderAreRefused) {
  std::string out;
  MemorySink sink(&out);
  RdbWriter w(&sink, fixed_options());
  EXPECT_EQ(w.put("k", "v").code(), Code::kFailedPrecondition);
  EXPECT_EQ(w.finish().code(), Code::kFailedPrecondition) << "the first failure sticks";
  RdbWriter w2(&sink, fixed_options());
  ASSERT_TRUE(w2.begin(0).ok());
  EXPECT_EQ(w2.begin(0).code(), Code::kFailedPrecondition);
}

// Passes everything to `inner` until `fail_after` bytes were committed, then fails every call with
// an I/O error, counting the calls that still come.
class FailingSink final : public OutputSink {
 public:
  FailingSink(OutputSink* inner, size_t fail_after) : inner_(inner), fail_after_(fail_after) {}

  Status reserve(std::span<char>* window) override {
    if (failed_) return failure("reserve");
    return inner_->reserve(window);
  }
  Status commit(size_t n) override {
    if (failed_) return failure("commit");
    committed_ += n;
    if (committed_ > fail_after_) {
      failed_ = true;
      return Status::IoError("injected: the link went down after " + std::to_string(fail_after_) + " bytes");
    }
    return inner_->commit(n);
  }
  Status finish() override {
    ++finishes_;
    if (failed_) return failure("finish");
    return inner_->finish();
  }

  int calls_after_failure() const { return calls_after_failure_; }
  int finishes() const { return finishes_; }

 private:
  Status failure(const char*) {
    ++calls_after_failure_;
    return Status::IoError("called after the failure");
  }
  OutputSink* inner_;
  size_t fail_after_;
  size_t committed_ = 0;
  bool failed_ = false;
  int calls_after_failure_ = 0;
  int finishes_ = 0;
};

TEST(RdbWriter, ASinkFailingMidStreamStopsTheWriter) {
  const kvstore::KvStore store = sample_store();
  std::string out;
  MemorySink mem(&out);
  FailingSink failing(&mem, 100000);
  const RdbWriteResult r = write_rdb(store, &failing, fixed_options());
  EXPECT_EQ(r.status.code(), Code::kIoError);
  EXPECT_THAT(r.status.message(), HasSubstr("injected: the link went down after 100000 bytes"));
  EXPECT_EQ(r.bytes, 0);
  EXPECT_EQ(failing.calls_after_failure(), 0) << "the writer makes no call on a failed sink";
  EXPECT_EQ(failing.finishes(), 0) << "a failed stream is not finished";
}

TEST(FileSink, AbandonedMidStreamLeavesNoTempFileAndTheFinalFileUntouched) {
  TempDir dir;
  const std::string final_path = dir.file("dump.rdb");
  const std::string tmp = dir.file("temp-1.rdb");
  write_file(final_path, "the previous snapshot");
  const kvstore::KvStore store = sample_store();
  {
    StatusOr<FileSink> file = FileSink::create(tmp, final_path, FileSinkOptions{4096, false});
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    FailingSink failing(&*file, 50000);
    const RdbWriteResult r = write_rdb(store, &failing, fixed_options());
    EXPECT_EQ(r.status.code(), Code::kIoError);
    EXPECT_TRUE(std::filesystem::exists(tmp)) << "written to until the failure";
    EXPECT_GE(file->bytes_written(), 40000) << "full buffers went to the file as they filled";
  }
  EXPECT_FALSE(std::filesystem::exists(tmp)) << "the sink removes its temporary file when it goes";
  EXPECT_EQ(read_file(final_path), "the previous snapshot");
}

TEST(FileSink, AWriteErrorNamesTheFileAndOffsetAndLeavesNoTempFile) {
  // A file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write() fail with EFBIG; set in a
  // child of the test so the test process keeps its limits.
  TempDir dir;
  const std::string final_path = dir.file("dump.rdb");
  const std::string tmp = dir.file("temp-2.rdb");
  write_file(final_path, "the previous snapshot");
  const kvstore::KvStore store = sample_store();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{16384, 16384};  // four 4096-byte buffers fit; the fifth write fails
    ::setrlimit(RLIMIT_FSIZE, &lim);
    RdbWriteOptions opt;
    opt.file.buffer_bytes = 4096;
    const RdbWriteResult r = save_rdb_file(store, tmp, final_path, opt);
    const std::string text = r.status.to_string();
    ssize_t w = ::write(fds[1], text.data(), text.size());
    (void)w;
    ::_exit(r.status.code() == Code::kIoError ? 0 : 1);  // the code is checked here
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status: " << text;
  EXPECT_THAT(text, HasSubstr(tmp + ": write at offset 16384 failed: File too large"));
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_EQ(read_file(final_path), "the previous snapshot");
}

TEST(FileSink, CreateErrorsAndTheSmallestBuffer) {
  TempDir dir;
  StatusOr<FileSink> missing = FileSink::create(dir.file("no/such/dir/t.rdb"), dir.file("d.rdb"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no/such/dir/t.rdb: cannot create: No such file or directory"));

  StatusOr<FileSink> tiny = FileSink::create(dir.file("t.rdb"), dir.file("d.rdb"), FileSinkOptions{1, true});
  ASSERT_TRUE(tiny.ok()) << tiny.status().to_string();
  EXPECT_EQ(tiny->buffer_bytes(), FileSink::kMinBufferBytes);
  std::span<char> w;
  ASSERT_TRUE(tiny->reserve(&w).ok());
  EXPECT_EQ(w.size(), FileSink::kMinBufferBytes);
  EXPECT_EQ(tiny->commit(w.size() + 1).code(), Code::kInternal) << "a commit beyond the window";
  EXPECT_FALSE(tiny->finish().ok()) << "failed for good";
  EXPECT_FALSE(std::filesystem::exists(dir.file("d.rdb")));
}

}  // namespace
}  // namespace rpbench::rdb

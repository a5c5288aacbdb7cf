#include "engines/rdb_fork/rdb_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include "engines/rdb_fork/crc64.h"
#include "engines/rdb_fork/rdb_format.h"
#include "base/unique_fd.h"
#include "base/errno_text.h"

namespace rpbench::rdb_fork {

namespace {


// An output buffer in its own anonymous mapping (so the child's buffer does not disturb the
// parent's heap pages), with the running CRC64 of everything flushed.
class BufferedOut {
 public:
  BufferedOut(int fd, size_t cap, const std::string& name) : fd_(fd), cap_(cap), name_(name) {
    void* p = ::mmap(nullptr, cap_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      fail("cannot map a write buffer of " + std::to_string(cap_) + " bytes: " + errno_text(errno));
      cap_ = 0;
    } else {
      buf_ = static_cast<unsigned char*>(p);
    }
  }
  ~BufferedOut() {
    if (buf_ != nullptr) ::munmap(buf_, cap_);
  }
  BufferedOut(const BufferedOut&) = delete;
  BufferedOut& operator=(const BufferedOut&) = delete;

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t crc() const { return crc_; }
  int64_t bytes() const { return written_ + static_cast<int64_t>(used_); }

  void put(const void* data, size_t n) {
    if (failed()) return;
    if (n > cap_ - used_) {
      flush();
      if (n > cap_) {  // larger than the whole buffer: straight through
        write_all(data, n);
        return;
      }
    }
    std::memcpy(buf_ + used_, data, n);
    used_ += n;
  }
  void put_byte(unsigned char b) { put(&b, 1); }
  void put_length(uint64_t len) {
    unsigned char tmp[9];
    put(tmp, encode_rdb_length(len, tmp));
  }
  void put_string(std::string_view s) {
    put_length(s.size());
    put(s.data(), s.size());
  }
  // A string, integer-encoded when it is one (as Redis writes AUX values).
  void put_string_maybe_int(std::string_view s) {
    unsigned char tmp[5];
    if (const size_t n = try_encode_rdb_int(s, tmp)) put(tmp, n);
    else put_string(s);
  }
  void flush() {
    if (failed() || used_ == 0) return;
    write_all(buf_, used_);
    used_ = 0;
  }
  // Writes bytes that are not part of the checksummed stream (the checksum itself).
  void put_raw_unchecked(const void* data, size_t n) {
    flush();
    if (failed()) return;
    write_all_nocrc(data, n);
  }

 private:
  void fail(std::string msg) {
    if (error_.empty()) error_ = name_ + ": " + std::move(msg);
  }
  void write_all(const void* data, size_t n) {
    crc_ = crc64(crc_, data, n);
    write_all_nocrc(data, n);
  }
  void write_all_nocrc(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("write at offset " + std::to_string(written_) + " failed: " + errno_text(errno));
        return;
      }
      p += w;
      n -= static_cast<size_t>(w);
      written_ += w;
    }
  }

  int fd_;
  size_t cap_;
  const std::string& name_;
  unsigned char* buf_ = nullptr;
  size_t used_ = 0;
  int64_t written_ = 0;
  uint64_t crc_ = 0;
  std::string error_;
};

void put_aux(BufferedOut& out, std::string_view key, std::string_view value) {
  out.put_byte(kOpAux);
  out.put_string(key);
  out.put_string_maybe_int(value);
}

}  // namespace

RdbWriteResult write_rdb(const kvstore::KvStore& store, int fd, const std::string& name, const RdbWriteOptions& opt) {
  RdbWriteResult r;
  BufferedOut out(fd, opt.buffer_bytes < 4096 ? 4096 : opt.buffer_bytes, name);

  char magic[10];
  std::snprintf(magic, sizeof magic, "REDIS%04d", kRdbVersion);
  out.put(magic, 9);
  put_aux(out, "redis-ver", "7.0.0");
  put_aux(out, "redis-bits", std::to_string(sizeof(void*) * 8));
  put_aux(out, "ctime", std::to_string(static_cast<long long>(std::time(nullptr))));
  put_aux(out, "used-mem", std::to_string(opt.used_mem < 0 ? 0 : opt.used_mem));
  put_aux(out, "aof-base", "0");
  put_aux(out, "rpbench-writer", "rdb-fork");

  out.put_byte(kOpSelectDb);
  out.put_length(0);
  out.put_byte(kOpResizeDb);
  out.put_length(store.size());
  out.put_length(0);

  if (opt.test_pause_after_header_ms > 0) {
    out.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.test_pause_after_header_ms));
  }

  ContentDigest digest;
  store.for_each([&](std::string_view k, std::string_view v) {
    out.put_byte(kTypeString);
    out.put_string(k);
    out.put_string(v);
    digest.add(k, v);
  });

  out.put_byte(kOpEof);
  out.flush();  // the CRC covers every byte up to and including EOF
  unsigned char le[8];
  const uint64_t c = out.crc();
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(c >> (8 * i));
  out.put_raw_unchecked(le, 8);
  if (out.failed()) {
    r.error = out.error();
    return r;
  }
  r.ok = true;
  r.bytes = out.bytes();
  r.digest = digest;
  return r;
}

RdbWriteResult save_rdb_file(const kvstore::KvStore& store, const std::string& tmp_path,
                             const std::string& final_path, const RdbWriteOptions& opt) {
  RdbWriteResult r;
  UniqueFd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    r.error = tmp_path + ": cannot create: " + errno_text(errno);
    return r;
  }
  TempPathGuard guard(tmp_path);
  r = write_rdb(store, fd.get(), tmp_path, opt);
  if (!r.ok) return r;
  if (opt.fsync && ::fsync(fd.get()) != 0) {
    r.ok = false;
    r.error = tmp_path + ": fsync failed: " + errno_text(errno);
    return r;
  }
  if (::close(fd.release()) != 0) {
    r.ok = false;
    r.error = tmp_path + ": close failed: " + errno_text(errno);
    return r;
  }
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    r.ok = false;
    r.error = "cannot rename " + tmp_path + " to " + final_path + ": " + errno_text(errno);
    return r;
  }
  guard.release();
  if (opt.fsync) {
    const std::string dir = final_path.find('/') == std::string::npos ? "." : final_path.substr(0, final_path.rfind('/') + 1);
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
  }
  return r;
}

}  // namespace rpbench::rdb_fork

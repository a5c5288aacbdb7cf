#include "engines/rdb_fork/rdb_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engines/rdb_fork/crc64.h"
#include "engines/rdb_fork/lzf.h"
#include "engines/rdb_fork/rdb_format.h"
#include "base/unique_fd.h"
#include "base/errno_text.h"

namespace rpbench::rdb_fork {

namespace {

struct LoadError {
  uint64_t offset;
  std::string message;
};

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

// A buffered reader that knows the file size and its own offset, and keeps the CRC64 of every
// byte consumed so far.
class Reader {
 public:
  Reader(int fd, uint64_t file_size) : fd_(fd), size_(file_size), buf_(1u << 20) {}

  uint64_t offset() const { return base_ + pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - offset(); }

  // The CRC of every byte consumed so far.
  uint64_t crc() {
    crc_flush();
    return crc_;
  }

  void read(void* dst, size_t n, const char* what) {
    auto* out = static_cast<unsigned char*>(dst);
    const uint64_t start = offset();
    while (n > 0) {
      if (pos_ == end_) {
        if (n >= buf_.size()) {  // large: read straight into the destination
          crc_flush();
          base_ += end_;
          pos_ = end_ = crc_pos_ = 0;
          const size_t got = read_fd(out, n);
          crc_ = crc64(crc_, out, got);
          base_ += got;
          out += got;
          n -= got;
          if (n > 0) truncated(start, what);
          return;
        }
        refill();
        if (end_ == 0) truncated(start, what);
      }
      const size_t take = std::min(n, end_ - pos_);
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      out += take;
      n -= take;
    }
  }
  uint8_t byte(const char* what) {
    if (pos_ < end_) return buf_[pos_++];
    uint8_t b;
    read(&b, 1, what);
    return b;
  }

  [[noreturn]] void truncated(uint64_t at, const char* what) {
    throw LoadError{at, std::string("unexpected end of file while reading ") + what + " (file size " +
                            std::to_string(size_) + " bytes: truncated?)"};
  }

 private:
  void crc_flush() {
    if (pos_ > crc_pos_) crc_ = crc64(crc_, buf_.data() + crc_pos_, pos_ - crc_pos_);
    crc_pos_ = pos_;
  }
  void refill() {
    crc_flush();
    base_ += end_;
    pos_ = end_ = crc_pos_ = 0;
    end_ = read_fd(buf_.data(), buf_.size());
  }
  size_t read_fd(unsigned char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, dst + got, n - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw LoadError{base_ + got, std::string("read failed: ") + errno_text()};
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }

  int fd_;
  uint64_t size_;
  std::vector<unsigned char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  size_t crc_pos_ = 0;
  uint64_t base_ = 0;  // file offset of buf_[0]
  uint64_t crc_ = 0;
};

class Loader {
 public:
  Loader(Reader& in, kvstore::KvStore& store, RdbLoadResult& res, const std::function<void()>& tick)
      : in_(in), store_(store), res_(res), tick_(tick) {}

  void run() {
    header();
    bool pending_expire = false;
    for (;;) {
      const uint64_t at = in_.offset();
      const uint8_t op = in_.byte("an opcode or value type");
      switch (op) {
        case kOpEof:
          eof(at);
          return;
        case kOpAux: {
          read_string(&key_, "an AUX field name");
          read_string(&val_, "an AUX field value");
          if (key_ == "redis-ver") res_.redis_ver = val_;
          break;
        }
        case kOpSelectDb: {
          const uint64_t db = read_plain_length("a database number");
          if (db != 0) throw LoadError{at, "database " + std::to_string(db) + " is selected: only db 0 is supported"};
          break;
        }
        case kOpResizeDb: {
          const uint64_t keys = read_plain_length("the RESIZEDB key count");
          read_plain_length("the RESIZEDB expires count");
          store_.reserve(std::min<uint64_t>(keys, in_.remaining() / 3 + 1));
          break;
        }
        case kOpExpireTimeMs: {
          unsigned char t[8];
          in_.read(t, 8, "an EXPIRETIME_MS time");
          pending_expire = true;
          break;
        }
        case kOpExpireTime: {
          unsigned char t[4];
          in_.read(t, 4, "an EXPIRETIME time");
          pending_expire = true;
          break;
        }
        case kOpIdle:
          read_plain_length("an IDLE time");
          break;
        case kOpFreq:
          in_.byte("a FREQ counter");
          break;
        case kOpFunction2:
        case kOpFunctionPreGa:
          throw LoadError{at, "function library data (opcode " + std::to_string(op) + ") is not supported: only string keys"};
        case kOpModuleAux:
          throw LoadError{at, "module auxiliary data (opcode " + std::to_string(op) + ") is not supported: only string keys"};
        case kTypeString: {
          read_string(&key_, "a key");
          read_string(&val_, "a string value");
          if (!store_.put(key_, val_)) throw LoadError{at, "duplicate key '" + printable(key_) + "'"};
          if (pending_expire) ++res_.expires_ignored;
          pending_expire = false;
          if (tick_ && (store_.size() & 0xffff) == 0) tick_();
          break;
        }
        default:
          throw LoadError{at, "value type '" + rdb_type_name(op) + "' (" + std::to_string(op) +
                                  ") is not supported: only strings"};
      }
    }
  }

 private:
  static std::string printable(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < 64; ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x7f) {
        out += static_cast<char>(c);
      } else {
        char b[8];
        std::snprintf(b, sizeof b, "\\x%02x", c);
        out += b;
      }
    }
    if (s.size() > 64) out += "...";
    return out;
  }

  void header() {
    char magic[9];
    in_.read(magic, 9, "the header");
    if (std::memcmp(magic, kRdbMagic.data(), kRdbMagic.size()) != 0) {
      throw LoadError{0, "bad magic: not an RDB file (expected \"REDIS\" followed by a 4-digit version)"};
    }
    int v = 0;
    for (int i = 5; i < 9; ++i) {
      if (magic[i] < '0' || magic[i] > '9') {
        throw LoadError{5, "bad RDB version field '" + printable(std::string(magic + 5, 4)) + "'"};
      }
      v = v * 10 + (magic[i] - '0');
    }
    if (v < 1 || v > kRdbVersion) {
      throw LoadError{5, "RDB version " + std::to_string(v) + " is not supported (1.." + std::to_string(kRdbVersion) + ")"};
    }
    res_.version = v;
  }

  void eof(uint64_t at) {
    const uint64_t computed = in_.crc();
    if (res_.version >= 5) {
      unsigned char le[8];
      in_.read(le, 8, "the checksum");
      uint64_t expected = 0;
      for (int i = 7; i >= 0; --i) expected = (expected << 8) | le[i];
      if (expected != 0 && expected != computed) {
        throw LoadError{at + 1, "checksum mismatch: the file says " + hex64(expected) + ", its content gives " + hex64(computed)};
      }
      res_.checksum_verified = expected != 0;
    }
    if (in_.remaining() != 0) {
      throw LoadError{in_.offset(), std::to_string(in_.remaining()) + " unexpected bytes after the end of the RDB data"};
    }
  }

  // A length; `encoded` set when it is a special string encoding instead.
  uint64_t read_length(bool* encoded, const char* what) {
    const uint64_t at = in_.offset();
    const uint8_t b = in_.byte(what);
    *encoded = false;
    switch (b >> 6) {
      case kLen6:
        return b & 0x3f;
      case kLen14:
        return (static_cast<uint64_t>(b & 0x3f) << 8) | in_.byte(what);
      case kEncVal:
        *encoded = true;
        return b & 0x3f;
      default:
        break;
    }
    unsigned char be[8];
    if (b == kLen32) {
      in_.read(be, 4, what);
      return (uint64_t{be[0]} << 24) | (uint64_t{be[1]} << 16) | (uint64_t{be[2]} << 8) | be[3];
    }
    if (b == kLen64) {
      in_.read(be, 8, what);
      uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v = (v << 8) | be[i];
      return v;
    }
    char hx[8];
    std::snprintf(hx, sizeof hx, "0x%02x", b);
    throw LoadError{at, std::string("bad length encoding ") + hx + " in " + what};
  }
  uint64_t read_plain_length(const char* what) {
    const uint64_t at = in_.offset();
    bool enc = false;
    const uint64_t v = read_length(&enc, what);
    if (enc) throw LoadError{at, std::string("a string encoding where a plain length was expected, in ") + what};
    return v;
  }
  void check_fits(uint64_t at, uint64_t len, const char* what) {
    if (len > in_.remaining()) {
      throw LoadError{at, std::string("length ") + std::to_string(len) + " of " + what + " runs past the end of the file (" +
                              std::to_string(in_.remaining()) + " bytes left of " + std::to_string(in_.size()) + ": truncated?)"};
    }
  }

  void read_string(std::string* out, const char* what) {
    const uint64_t at = in_.offset();
    bool enc = false;
    const uint64_t len = read_length(&enc, what);
    if (!enc) {
      check_fits(at, len, what);
      out->resize(len);
      in_.read(out->data(), len, what);
      return;
    }
    switch (len) {
      case kEncInt8: {
        const auto v = static_cast<int8_t>(in_.byte(what));
        *out = std::to_string(v);
        return;
      }
      case kEncInt16: {
        unsigned char b[2];
        in_.read(b, 2, what);
        *out = std::to_string(static_cast<int16_t>(static_cast<uint16_t>(b[0] | (b[1] << 8))));
        return;
      }
      case kEncInt32: {
        unsigned char b[4];
        in_.read(b, 4, what);
        const uint32_t u = uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
        *out = std::to_string(static_cast<int32_t>(u));
        return;
      }
      case kEncLzf: {
        const uint64_t clen = read_plain_length(what);
        const uint64_t ulen = read_plain_length(what);
        const uint64_t data_at = in_.offset();
        check_fits(data_at, clen, what);
        // An LZF back reference yields at most 264 bytes from 3 input bytes.
        if (ulen > clen * 88 + 64) {
          throw LoadError{at, "LZF string claims " + std::to_string(ulen) + " bytes from " + std::to_string(clen) +
                                  " compressed bytes: impossible"};
        }
        lzf_.resize(clen);
        in_.read(lzf_.data(), clen, what);
        out->resize(ulen);
        if (!lzf_decompress(lzf_.data(), clen, out->data(), ulen)) {
          throw LoadError{data_at, "corrupt LZF data in " + std::string(what)};
        }
        return;
      }
      default:
        throw LoadError{at, "unknown string encoding " + std::to_string(len) + " in " + what};
    }
  }

  Reader& in_;
  kvstore::KvStore& store_;
  RdbLoadResult& res_;
  const std::function<void()>& tick_;
  std::string key_;
  std::string val_;
  std::vector<char> lzf_;
};

}  // namespace

RdbLoadResult load_rdb_file(const std::string& path, kvstore::KvStore* store, const std::function<void()>& tick) {
  RdbLoadResult res;
  store->clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    res.error = path + ": cannot open: " + errno_text();
    return res;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    res.error = path + ": cannot stat: " + errno_text();
    return res;
  }
  res.bytes = st.st_size;
  kvstore::KvStore fresh;
  fresh.set_track_digest(store->track_digest());
  Reader in(fd.get(), static_cast<uint64_t>(st.st_size));
  try {
    Loader(in, fresh, res, tick).run();
  } catch (const LoadError& e) {
    res.error = path + ": offset " + std::to_string(e.offset) + ": " + e.message;
    return res;
  } catch (const std::bad_alloc&) {
    res.error = path + ": offset " + std::to_string(in.offset()) + ": out of memory while loading";
    return res;
  }
  res.keys = static_cast<int64_t>(fresh.size());
  const bool paused = store->resize_paused();
  store->swap(fresh);
  store->pause_resize(paused);
  res.ok = true;
  return res;
}

}  // namespace rpbench::rdb_fork

#include "engines/rdb/rdb_loader.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "base/status_or.h"
#include "engines/rdb/crc64.h"
#include "engines/rdb/file_source.h"
#include "engines/rdb/lzf.h"
#include "engines/rdb/rdb_format.h"

namespace rpbench::rdb {

namespace {

using Code = Status::Code;

// A load failure inside the parser: thrown where it is found and caught by load_rdb() only, which
// turns it into the result's Status (nothing is thrown out of this file).
struct LoadError {
  uint64_t offset;
  Code code;
  std::string message;
};

[[noreturn]] void corrupt(uint64_t at, std::string message) {
  throw LoadError{at, Code::kCorruption, std::move(message)};
}
[[noreturn]] void unsupported(uint64_t at, std::string message) {
  throw LoadError{at, Code::kInvalidArgument, std::move(message)};
}

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

// The stream as the parser sees it: the source's windows one after the other, the offset of the
// next byte, and the CRC64 of every byte consumed so far.
class Reader {
 public:
  explicit Reader(InputSource& src) : src_(src), size_(src.size()) {}

  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - win_); }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - offset(); }

  // The CRC of every byte consumed so far.
  uint64_t crc() {
    crc_flush();
    return crc_;
  }

  void read(void* dst, size_t n, const char* what) {
    auto* out = static_cast<char*>(dst);
    const uint64_t start = offset();
    while (n > 0) {
      if (pos_ == end_ && !next_window()) truncated(start, what);
      const size_t take = std::min(n, static_cast<size_t>(end_ - pos_));
      std::memcpy(out, pos_, take);
      pos_ += take;
      out += take;
      n -= take;
    }
  }
  uint8_t byte(const char* what) {
    if (pos_ != end_) return static_cast<uint8_t>(*pos_++);
    uint8_t b;
    read(&b, 1, what);
    return b;
  }

  [[noreturn]] void truncated(uint64_t at, const char* what) {
    corrupt(at, std::string("unexpected end of file while reading ") + what + " (file size " + std::to_string(size_) +
                    " bytes: truncated?)");
  }

 private:
  void crc_flush() {
    if (pos_ > crc_pos_) crc_ = crc64(crc_, crc_pos_, static_cast<size_t>(pos_ - crc_pos_));
    crc_pos_ = pos_;
  }
  // The source's next window; false at the end of the stream.
  bool next_window() {
    crc_flush();
    base_ += static_cast<uint64_t>(end_ - win_);
    std::span<const char> chunk;
    if (Status s = src_.next(&chunk); !s.ok()) throw LoadError{base_, s.code(), s.message()};
    if (chunk.size() > size_ - base_) {
      throw LoadError{base_, Code::kInternal,
                      "the source yields more than the " + std::to_string(size_) + " bytes it announced"};
    }
    win_ = pos_ = crc_pos_ = chunk.data();
    end_ = win_ + chunk.size();
    return !chunk.empty();
  }

  InputSource& src_;
  uint64_t size_;
  const char* win_ = nullptr;  // the current window [win_, end_), consumed up to pos_
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  const char* crc_pos_ = nullptr;  // consumed bytes before it are in crc_
  uint64_t base_ = 0;              // stream offset of win_[0]
  uint64_t crc_ = 0;
};

class Loader {
 public:
  Loader(Reader& in, const RdbLoadHandler& handler, RdbLoadResult& res) : in_(in), handler_(handler), res_(res) {}

  void run() {
    header();
    bool pending_expire = false;
    for (;;) {
      const uint64_t at = in_.offset();
      const uint8_t op = in_.byte("an opcode or value type");
      switch (op) {
        case kOpEof: eof(at); return;
        case kOpAux: {
          read_string(&key_, "an AUX field name");
          read_string(&val_, "an AUX field value");
          if (key_ == "redis-ver") res_.redis_ver = val_;
          break;
        }
        case kOpSelectDb: {
          const uint64_t db = read_plain_length("a database number");
          if (db != 0) unsupported(at, "database " + std::to_string(db) + " is selected: only db 0 is supported");
          break;
        }
        case kOpResizeDb: {
          const uint64_t keys = read_plain_length("the RESIZEDB key count");
          read_plain_length("the RESIZEDB expires count");
          if (handler_.on_key_count) handler_.on_key_count(std::min<uint64_t>(keys, in_.remaining() / 3 + 1));
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
        case kOpIdle: read_plain_length("an IDLE time"); break;
        case kOpFreq: in_.byte("a FREQ counter"); break;
        case kOpFunction2:
        case kOpFunctionPreGa:
          unsupported(at,
                      "function library data (opcode " + std::to_string(op) + ") is not supported: only string keys");
        case kOpModuleAux:
          unsupported(at,
                      "module auxiliary data (opcode " + std::to_string(op) + ") is not supported: only string keys");
        case kTypeString: {
          read_string(&key_, "a key");
          read_string(&val_, "a string value");
          pair(at);
          if (pending_expire) ++res_.expires_ignored;
          pending_expire = false;
          break;
        }
        default: value_type(at, op);
      }
    }
  }

  int64_t keys() const { return keys_; }

 private:
  void pair(uint64_t at) {
    if (handler_.on_pair) {
      if (Status s = handler_.on_pair(key_, val_); !s.ok()) throw LoadError{at, s.code(), s.message()};
    }
    ++keys_;
  }

  // A value type other than string: named; a byte that is no type at all is corruption.
  [[noreturn]] static void value_type(uint64_t at, uint8_t op) {
    const std::string name = rdb_type_name(op);
    std::string message = "value type '" + name + "' (" + std::to_string(op) + ") is not supported: only strings";
    if (name == "unknown") corrupt(at, std::move(message));
    unsupported(at, std::move(message));
  }

  void header() {
    char magic[9];
    in_.read(magic, 9, "the header");
    if (std::memcmp(magic, kRdbMagic.data(), kRdbMagic.size()) != 0) {
      corrupt(0, "bad magic: not an RDB file (expected \"REDIS\" followed by a 4-digit version)");
    }
    int v = 0;
    for (int i = 5; i < 9; ++i) {
      if (magic[i] < '0' || magic[i] > '9')
        corrupt(5, "bad RDB version field '" + printable(std::string_view(magic + 5, 4)) + "'");
      v = v * 10 + (magic[i] - '0');
    }
    if (v < 1 || v > kRdbVersion) {
      std::string message =
          "RDB version " + std::to_string(v) + " is not supported (1.." + std::to_string(kRdbVersion) + ")";
      if (v < 1) corrupt(5, std::move(message));  // there is no version 0
      unsupported(5, std::move(message));
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
        corrupt(at + 1,
                "checksum mismatch: the file says " + hex64(expected) + ", its content gives " + hex64(computed));
      }
      res_.checksum_verified = expected != 0;
    }
    if (in_.remaining() != 0) {
      corrupt(in_.offset(), std::to_string(in_.remaining()) + " unexpected bytes after the end of the RDB data");
    }
  }

  // A length; `encoded` set when it is a special string encoding instead.
  uint64_t read_length(bool* encoded, const char* what) {
    const uint64_t at = in_.offset();
    const uint8_t b = in_.byte(what);
    *encoded = false;
    switch (b >> 6) {
      case kLen6: return b & 0x3f;
      case kLen14: return (static_cast<uint64_t>(b & 0x3f) << 8) | in_.byte(what);
      case kEncVal: *encoded = true; return b & 0x3f;
      default: break;
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
    corrupt(at, std::string("bad length encoding ") + hx + " in " + what);
  }
  uint64_t read_plain_length(const char* what) {
    const uint64_t at = in_.offset();
    bool enc = false;
    const uint64_t v = read_length(&enc, what);
    if (enc) corrupt(at, std::string("a string encoding where a plain length was expected, in ") + what);
    return v;
  }
  void check_fits(uint64_t at, uint64_t len, const char* what) {
    if (len > in_.remaining()) {
      corrupt(at, std::string("length ") + std::to_string(len) + " of " + what + " runs past the end of the file (" +
                      std::to_string(in_.remaining()) + " bytes left of " + std::to_string(in_.size()) +
                      ": truncated?)");
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
          corrupt(at, "LZF string claims " + std::to_string(ulen) + " bytes from " + std::to_string(clen) +
                          " compressed bytes: impossible");
        }
        lzf_.resize(clen);
        in_.read(lzf_.data(), clen, what);
        out->resize(ulen);
        if (!lzf_decompress(lzf_.data(), clen, out->data(), ulen))
          corrupt(data_at, "corrupt LZF data in " + std::string(what));
        return;
      }
      default: corrupt(at, "unknown string encoding " + std::to_string(len) + " in " + what);
    }
  }

  Reader& in_;
  const RdbLoadHandler& handler_;
  RdbLoadResult& res_;
  int64_t keys_ = 0;
  std::string key_;
  std::string val_;
  std::vector<char> lzf_;
};

}  // namespace

RdbLoadResult load_rdb(InputSource* in, const RdbLoadHandler& handler) {
  RdbLoadResult res;
  res.bytes = static_cast<int64_t>(in->size());
  Reader reader(*in);
  const auto where = [&](uint64_t offset) {
    return std::string(in->name()) + ": offset " + std::to_string(offset) + ": ";
  };
  try {
    Loader loader(reader, handler, res);
    loader.run();
    res.keys = loader.keys();
  } catch (const LoadError& e) {
    res.status = Status::FromCode(e.code, where(e.offset) + e.message);
  } catch (const std::bad_alloc&) {
    res.status = Status::ResourceExhausted(where(reader.offset()) + "out of memory while loading");
  }
  return res;
}

RdbLoadResult load_rdb_file(const std::string& path, const RdbLoadHandler& handler) {
  StatusOr<FileSource> src = FileSource::open(path);
  if (!src.ok()) {
    RdbLoadResult res;
    res.status = src.status();
    return res;
  }
  return load_rdb(&*src, handler);
}

}  // namespace rpbench::rdb

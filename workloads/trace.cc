#include "workloads/trace.h"

#include "workloads/spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "base/errno_text.h"
#include "workloads/crc32.h"

namespace rpbench::workloads {
namespace {

constexpr char kMagic[8] = {'R', 'P', 'B', 'T', 'R', 'A', 'C', 'E'};
constexpr size_t kFixedHeader = 72;
constexpr size_t kCrcOffset = 64;
constexpr size_t kMaxRecord = 1 + 10 + 10 + 5;
constexpr size_t kFlushAt = 1 << 20;
constexpr size_t kReadChunk = 1 << 20;

void put_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

void put_varint(std::vector<char>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Decodes a LEB128 varint of at most 10 bytes from [*p, end); false if malformed or cut short.
bool get_varint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (*p == end) return false;
    const auto byte = static_cast<unsigned char>(*(*p)++);
    if (i == 9 && byte > 1) return false;  // more than 64 bits
    result |= uint64_t{byte & 0x7fu} << (7 * i);
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

int make_temp(std::string& tmpl) {
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("trace " + tmpl + ": cannot create: " + errno_text());
  return fd;
}

void write_all(int fd, const char* data, size_t len, uint64_t offset, bool positioned) {
  while (len > 0) {
    const ssize_t n = positioned ? ::pwrite(fd, data, len, static_cast<off_t>(offset)) : ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text());
    }
    data += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------- writer

TraceWriter::TraceWriter(std::string path, TraceInfo info)
    : path_(std::move(path)),
      tmp_path_(path_ + ".tmp.XXXXXX"),
      fd_(make_temp(tmp_path_)),
      guard_(tmp_path_),
      info_(std::move(info)) {
  if (info_.spec.size() > kTraceMaxSpecBytes) {
    fail("spec text of " + std::to_string(info_.spec.size()) + " bytes exceeds " + std::to_string(kTraceMaxSpecBytes));
  }
  if (info_.thread_count == 0 || info_.thread_index >= info_.thread_count) {
    fail("thread_index " + std::to_string(info_.thread_index) + " out of range for thread_count " +
         std::to_string(info_.thread_count));
  }
  // The header is written in full on close(); reserve its room now.
  buf_.assign(kFixedHeader + info_.spec.size(), '\0');
  try {
    write_all(fd_.get(), buf_.data(), buf_.size(), 0, false);
  } catch (const std::runtime_error& e) {
    fail(std::string("write failed: ") + e.what());
  }
  buf_.clear();
  buf_.reserve(kFlushAt + kMaxRecord);
}

void TraceWriter::fail(const std::string& what) const { throw std::runtime_error("trace " + path_ + ": " + what); }

void TraceWriter::write(const Op& op) {
  if (closed_) fail("write after close");
  buf_.push_back(static_cast<char>(op.type));
  put_varint(buf_, op.key_id);
  put_varint(buf_, op.version);
  put_varint(buf_, op.value_size);
  ++op_count_;
  if (buf_.size() >= kFlushAt) flush();
}

void TraceWriter::flush() {
  if (buf_.empty()) return;
  records_crc_ = crc32(records_crc_, buf_.data(), buf_.size());
  try {
    write_all(fd_.get(), buf_.data(), buf_.size(), 0, false);
  } catch (const std::runtime_error& e) {
    fail(std::string("write failed: ") + e.what());
  }
  records_bytes_ += buf_.size();
  buf_.clear();
}

void TraceWriter::close() {
  if (closed_) return;
  flush();
  std::vector<char> header(kFixedHeader + info_.spec.size(), '\0');
  char* h = header.data();
  std::memcpy(h, kMagic, 8);
  put_u32(h + 8, kTraceVersion);
  put_u32(h + 12, static_cast<uint32_t>(header.size()));
  put_u64(h + 16, op_count_);
  put_u64(h + 24, records_bytes_);
  put_u64(h + 32, info_.seed);
  put_u64(h + 40, info_.key_count);
  put_u32(h + 48, info_.thread_index);
  put_u32(h + 52, info_.thread_count);
  put_u32(h + 56, static_cast<uint32_t>(info_.spec.size()));
  put_u32(h + 60, records_crc_);
  std::memcpy(h + kFixedHeader, info_.spec.data(), info_.spec.size());
  put_u32(h + kCrcOffset, crc32(0, header.data(), header.size()));  // computed with this field zero
  try {
    write_all(fd_.get(), header.data(), header.size(), 0, true);
  } catch (const std::runtime_error& e) {
    fail(std::string("write failed: ") + e.what());
  }
  if (::fsync(fd_.get()) != 0) fail("fsync failed: " + errno_text());
  fd_.reset();
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) fail("cannot rename " + tmp_path_ + ": " + errno_text());
  guard_.release();
  closed_ = true;
}

// ---------------------------------------------------------------- reader

namespace {

// Reads up to len bytes at offset; the count (short only at the end of the file), or the error.
StatusOr<size_t> pread_full(int fd, char* data, size_t len, uint64_t offset) {
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd, data + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("read at offset " + std::to_string(offset + done));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

Status TraceReader::corrupt(const std::string& what) const {
  return Status::Corruption("trace " + path_ + ": " + what);
}

StatusOr<std::unique_ptr<TraceReader>> TraceReader::open(std::string path) {
  std::unique_ptr<TraceReader> r(new TraceReader(std::move(path)));
  if (Status s = r->check(); !s.ok()) return s;
  return r;
}

Status TraceReader::check() {
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) return errno_status("trace " + path_ + ": cannot open");
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return errno_status("trace " + path_ + ": cannot stat");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("trace " + path_ + ": not a regular file");
  const auto file_size = static_cast<uint64_t>(st.st_size);

  char h[kFixedHeader];
  const StatusOr<size_t> read = pread_full(fd_.get(), h, kFixedHeader, 0);
  if (!read.ok()) return read.status().with_context("trace " + path_ + ": ");
  const size_t got = *read;
  if (got >= 8 && std::memcmp(h, kMagic, 8) != 0) return corrupt("bad magic (not an rpbench trace)");
  if (got < 12) return corrupt("truncated: " + std::to_string(got) + " bytes, shorter than the header");
  const uint32_t version = get_u32(h + 8);
  if (version != kTraceVersion)
    return corrupt("format version " + std::to_string(version) + ", this build reads version " +
                   std::to_string(kTraceVersion));
  if (got < kFixedHeader) return corrupt("truncated: " + std::to_string(got) + " bytes, shorter than the header");
  const uint32_t header_bytes = get_u32(h + 12);
  op_count_ = get_u64(h + 16);
  const uint64_t records_bytes = get_u64(h + 24);
  info_.seed = get_u64(h + 32);
  info_.key_count = get_u64(h + 40);
  info_.thread_index = get_u32(h + 48);
  info_.thread_count = get_u32(h + 52);
  const uint32_t spec_len = get_u32(h + 56);
  const uint32_t records_crc = get_u32(h + 60);
  const uint32_t header_crc = get_u32(h + kCrcOffset);
  if (spec_len > kTraceMaxSpecBytes || header_bytes != kFixedHeader + spec_len)
    return corrupt("corrupt header: header size " + std::to_string(header_bytes) + " does not match spec length " +
                   std::to_string(spec_len));
  if (records_bytes > file_size || file_size < header_bytes + records_bytes)
    return corrupt("truncated: expected " + std::to_string(header_bytes + records_bytes) + " bytes, file has " +
                   std::to_string(file_size));
  if (file_size > header_bytes + records_bytes)
    return corrupt("corrupt: " + std::to_string(file_size - header_bytes - records_bytes) +
                   " unexpected bytes after the records (at offset " + std::to_string(header_bytes + records_bytes) +
                   ")");
  // A record is at least 4 bytes (type and three varints): a count that cannot fit is corrupt.
  if (op_count_ > records_bytes / 4)
    return corrupt("corrupt header: " + std::to_string(op_count_) + " ops cannot fit in " +
                   std::to_string(records_bytes) + " bytes of records");

  std::vector<char> header(header_bytes);
  std::memcpy(header.data(), h, kFixedHeader);
  const StatusOr<size_t> spec_read = pread_full(fd_.get(), header.data() + kFixedHeader, spec_len, kFixedHeader);
  if (!spec_read.ok()) return spec_read.status().with_context("trace " + path_ + ": ");
  if (*spec_read != spec_len) return corrupt("truncated while reading the header");
  put_u32(header.data() + kCrcOffset, 0);
  const uint32_t computed_header_crc = crc32(0, header.data(), header.size());
  if (computed_header_crc != header_crc)
    return corrupt("header checksum mismatch (stored " + hex32(header_crc) + ", computed " +
                   hex32(computed_header_crc) + ")");
  info_.spec.assign(header.data() + kFixedHeader, spec_len);
  if (info_.thread_count == 0 || info_.thread_index >= info_.thread_count)
    return corrupt("corrupt header: thread_index " + std::to_string(info_.thread_index) + " of " +
                   std::to_string(info_.thread_count));

  // Check the records' checksum before handing out any op.
  records_begin_ = header_bytes;
  records_end_ = header_bytes + records_bytes;
  buf_.resize(kReadChunk);
  uint32_t crc = 0;
  for (uint64_t pos = records_begin_; pos < records_end_;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kReadChunk, records_end_ - pos));
    const StatusOr<size_t> n = pread_full(fd_.get(), buf_.data(), want, pos);
    if (!n.ok()) return n.status().with_context("trace " + path_ + ": ");
    if (*n != want) return corrupt("truncated at offset " + std::to_string(pos + *n));
    crc = crc32(crc, buf_.data(), *n);
    pos += *n;
  }
  if (crc != records_crc)
    return corrupt("record checksum mismatch (stored " + hex32(records_crc) + ", computed " + hex32(crc) + ")");
  file_pos_ = records_begin_;
  return Status::Ok();
}

// Makes at least `want` bytes available from buf_pos_ unless the records end first.
bool TraceReader::fill(size_t want) {
  if (buf_len_ - buf_pos_ >= want) return true;
  std::memmove(buf_.data(), buf_.data() + buf_pos_, buf_len_ - buf_pos_);
  file_pos_ += buf_pos_;
  buf_len_ -= buf_pos_;
  buf_pos_ = 0;
  const uint64_t loaded_end = file_pos_ + buf_len_;
  const size_t room = buf_.size() - buf_len_;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(room, records_end_ - loaded_end));
  if (n > 0) {
    const StatusOr<size_t> got = pread_full(fd_.get(), buf_.data() + buf_len_, n, loaded_end);
    if (!got.ok()) {
      status_ = got.status().with_context("trace " + path_ + ": ");
      return false;
    }
    if (*got != n) {
      status_ = corrupt("truncated at offset " + std::to_string(loaded_end + *got) + " (file changed while reading)");
      return false;
    }
    buf_len_ += n;
  }
  return true;
}

bool TraceReader::next(Op* op) {
  if (!status_.ok()) return false;
  if (ops_read_ == op_count_) {
    if (file_pos_ + buf_pos_ != records_end_)
      status_ =
          corrupt("corrupt: " + std::to_string(records_end_ - file_pos_ - buf_pos_) + " bytes after the last of " +
                  std::to_string(op_count_) + " records (at offset " + std::to_string(file_pos_ + buf_pos_) + ")");
    return false;
  }
  if (!fill(kMaxRecord)) return false;
  const uint64_t offset = file_pos_ + buf_pos_;
  const char* p = buf_.data() + buf_pos_;
  const char* end = buf_.data() + buf_len_;
  auto bad = [&](const std::string& what) {
    status_ =
        corrupt("corrupt record " + std::to_string(ops_read_) + " at offset " + std::to_string(offset) + ": " + what);
    return false;
  };
  if (p == end)
    return bad("the records end after " + std::to_string(ops_read_) + " of " + std::to_string(op_count_) + " ops");
  const auto type = static_cast<unsigned char>(*p++);
  if (type >= kOpTypeCount) return bad("op type " + std::to_string(type));
  uint64_t key_id = 0, version = 0, value_size = 0;
  if (!get_varint(&p, end, &key_id) || !get_varint(&p, end, &version) || !get_varint(&p, end, &value_size))
    return bad("malformed or cut-off varint");
  if (value_size > kMaxValueSize)
    return bad("value size " + std::to_string(value_size) + " is above the largest value a workload may have (" +
               std::to_string(kMaxValueSize) + " bytes)");
  op->type = static_cast<OpType>(type);
  op->key_id = key_id;
  op->version = version;
  op->value_size = static_cast<uint32_t>(value_size);
  buf_pos_ = static_cast<size_t>(p - buf_.data());
  ++ops_read_;
  return true;
}

StatusOr<std::vector<Op>> read_trace(const std::string& path) {
  StatusOr<std::unique_ptr<TraceReader>> reader = TraceReader::open(path);
  if (!reader.ok()) return reader.status();
  std::vector<Op> ops;
  ops.reserve(static_cast<size_t>(std::min<uint64_t>((*reader)->op_count(), uint64_t{1} << 24)));
  Op op;
  while ((*reader)->next(&op)) ops.push_back(op);
  if (!(*reader)->status().ok()) return (*reader)->status();
  return ops;
}

// ---------------------------------------------------------------- CSV

CsvTraceWriter::CsvTraceWriter(std::ostream& out) : out_(out) { out_ << "op,key_id,value_size\n"; }

void CsvTraceWriter::write(OpType type, uint64_t key_id, uint32_t value_size) {
  // Longest line: "update," + 20 digits + "," + 10 digits + "\n" = 39 bytes.
  char line[64];
  char* const end = line + sizeof line - 1;  // the last byte stays free for the newline
  const std::string_view name = op_name(type);
  char* p = std::copy(name.begin(), name.end(), line);
  *p++ = ',';
  p = std::to_chars(p, end, key_id).ptr;
  *p++ = ',';
  p = std::to_chars(p, end, value_size).ptr;
  *p++ = '\n';
  out_.write(line, p - line);
}

}  // namespace rpbench::workloads

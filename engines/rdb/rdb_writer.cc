#include "engines/rdb/rdb_writer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>

#include "engines/rdb/crc64.h"
#include "engines/rdb/rdb_format.h"

namespace rpbench::rdb {

RdbWriter::RdbWriter(OutputSink* sink, RdbWriterOptions opt) : sink_(sink), opt_(std::move(opt)) {}

Status RdbWriter::fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
  win_ = cur_ = end_ = nullptr;  // every later put takes the slow path, which writes nothing
  return status_;
}

void RdbWriter::commit_window() {
  if (win_ == nullptr) return;
  const size_t n = static_cast<size_t>(cur_ - win_);
  if (!past_eof_) crc_ = crc64(crc_, win_, n);
  committed_ += static_cast<int64_t>(n);
  win_ = cur_ = end_ = nullptr;
  if (Status s = sink_->commit(n); !s.ok()) fail(std::move(s));
}

bool RdbWriter::next_window() {
  commit_window();
  if (!status_.ok()) return false;
  std::span<char> w;
  if (Status s = sink_->reserve(&w); !s.ok()) {
    fail(std::move(s));
    return false;
  }
  if (w.empty()) {
    fail(Status::Internal("RDB writer: the sink lent an empty window"));
    return false;
  }
  win_ = cur_ = w.data();
  end_ = win_ + std::min(w.size(), kMaxWindow);
  return true;
}

inline void RdbWriter::put_bytes(const void* data, size_t n) {
  if (n <= static_cast<size_t>(end_ - cur_)) {
    std::memcpy(cur_, data, n);
    cur_ += n;
    return;
  }
  put_bytes_slow(data, n);
}

void RdbWriter::put_bytes_slow(const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    if (cur_ == end_ && !next_window()) return;
    const size_t take = std::min(n, static_cast<size_t>(end_ - cur_));
    std::memcpy(cur_, p, take);
    cur_ += take;
    p += take;
    n -= take;
  }
}

inline void RdbWriter::put_byte(unsigned char b) {
  if (cur_ != end_) {
    *cur_++ = static_cast<char>(b);
    return;
  }
  put_bytes_slow(&b, 1);
}

inline void RdbWriter::put_length(uint64_t len) {
  if (end_ - cur_ >= 9) {  // room for the longest encoding: straight into the window
    cur_ += encode_rdb_length(len, reinterpret_cast<unsigned char*>(cur_));
    return;
  }
  unsigned char tmp[9];
  put_bytes(tmp, encode_rdb_length(len, tmp));
}

inline void RdbWriter::put_string(std::string_view s) {
  put_length(s.size());
  if (!s.empty()) put_bytes(s.data(), s.size());
}

// A string, integer-encoded when it is one (as Redis writes AUX values).
void RdbWriter::put_string_maybe_int(std::string_view s) {
  unsigned char tmp[5];
  if (const size_t n = try_encode_rdb_int(s, tmp))
    put_bytes(tmp, n);
  else
    put_string(s);
}

void RdbWriter::put_aux(std::string_view key, std::string_view value) {
  put_byte(kOpAux);
  put_string(key);
  put_string_maybe_int(value);
}

Status RdbWriter::begin(uint64_t keys) {
  if (state_ != State::kNew) return fail(Status::FailedPrecondition("RDB writer: begin() after the header"));
  state_ = State::kBody;
  char magic[10];
  std::snprintf(magic, sizeof magic, "REDIS%04d", kRdbVersion);
  put_bytes(magic, 9);
  const int64_t ctime = opt_.ctime ? *opt_.ctime : static_cast<int64_t>(std::time(nullptr));
  put_aux("redis-ver", "7.0.0");
  put_aux("redis-bits", std::to_string(sizeof(void*) * 8));
  put_aux("ctime", std::to_string(ctime));
  put_aux("used-mem", std::to_string(opt_.used_mem < 0 ? 0 : opt_.used_mem));
  put_aux("aof-base", "0");
  put_aux("rpbench-writer", opt_.producer);

  put_byte(kOpSelectDb);
  put_length(0);
  put_byte(kOpResizeDb);
  put_length(keys);
  put_length(0);
  if (opt_.test_pause_after_header_ms > 0) pause_after_header();
  return status_;
}

void RdbWriter::pause_after_header() {
  commit_window();
  if (!status_.ok()) return;
  if (Status s = sink_->flush(); !s.ok()) {
    fail(std::move(s));
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(opt_.test_pause_after_header_ms));
}

Status RdbWriter::put(std::string_view key, std::string_view value) {
  if (state_ != State::kBody) return fail(Status::FailedPrecondition("RDB writer: put() outside begin() .. finish()"));
  put_byte(kTypeString);
  put_string(key);
  put_string(value);
  digest_.add(key, value);
  return status_;
}

Status RdbWriter::finish() {
  if (state_ != State::kBody)
    return fail(Status::FailedPrecondition("RDB writer: finish() outside begin() .. finish()"));
  state_ = State::kDone;
  put_byte(kOpEof);
  commit_window();  // the CRC covers every byte up to and including EOF
  if (!status_.ok()) return status_;
  past_eof_ = true;  // the checksum is not part of what it covers
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(crc_ >> (8 * i));
  put_bytes(le, 8);
  commit_window();
  if (!status_.ok()) return status_;
  checksum_ = crc_;
  if (Status s = sink_->finish(); !s.ok()) return fail(std::move(s));
  return status_;
}

}  // namespace rpbench::rdb

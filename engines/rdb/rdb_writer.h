// RdbWriter: string keys as an RDB stream (version 10, as Redis 7.0 writes it: AUX fields
// redis-ver, redis-bits, ctime, used-mem, aof-base and rpbench-writer, then SELECTDB 0, RESIZEDB,
// every key as a string type with raw (uncompressed) strings, EOF and the CRC64) into an
// OutputSink (engines/rdb/output_sink.h).
//
// Incremental, so that it needs nothing of the store it serializes: begin(keys) writes the header,
// put(key, value) one pair, finish() EOF and the checksum and then finishes the sink. The writer
// fills the sink's windows in place (the only copy of a key or value is into the sink's memory),
// commits what it filled after at most kMaxWindow bytes, and computes the CRC64 over exactly the
// bytes it commits, whatever the sink. It also keeps the ContentDigest of the pairs put.
//
// Failures are values, not exceptions (the writer runs in a forked snapshot child; only running out
// of memory could throw): the first failure (the sink's, or a call out of order) sticks; later
// calls write nothing and return it, and finish() does not finish the sink then (a file sink
// removes its temporary file when it goes).
//
// engines/rdb/rdb_kvstore.h writes a whole KvStore with it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engines/content_digest.h"
#include "engines/rdb/output_sink.h"

namespace rpbench::rdb {

struct RdbWriterOptions {
  int64_t used_mem = -1;             // the "used-mem" AUX field (written as 0 when negative: unknown)
  std::optional<int64_t> ctime;      // the "ctime" AUX field, in seconds; unset: time(nullptr)
  std::string producer = "rpbench";  // the "rpbench-writer" AUX field: which engine wrote the stream
  // Test hook: after the header, flush the sink (the file sink writes it to the file) and sleep
  // this long (lets a test kill a snapshot child mid-save). 0 in every real run.
  unsigned test_pause_after_header_ms = 0;
};

class RdbWriter {
 public:
  // The most the writer fills before it commits (and checksums) what it filled, so the CRC pass
  // reads bytes still in cache even when a sink lends much larger windows.
  static constexpr size_t kMaxWindow = 64 * 1024;

  // `sink` must outlive the writer.
  RdbWriter(OutputSink* sink, RdbWriterOptions opt);
  RdbWriter(const RdbWriter&) = delete;
  RdbWriter& operator=(const RdbWriter&) = delete;

  // The header, ending in RESIZEDB with `keys`: the number of pairs to follow (a loader sizes its
  // table by it).
  Status begin(uint64_t keys);
  // One string key (after begin()).
  Status put(std::string_view key, std::string_view value);
  // EOF and the checksum, then the sink's finish(). No call follows.
  Status finish();

  // The first failure, or ok.
  const Status& status() const { return status_; }
  // Bytes of the stream so far (the whole stream, checksum included, after finish()).
  int64_t bytes() const { return committed_ + (cur_ - win_); }
  // The digest of the pairs put so far.
  const ContentDigest& digest() const { return digest_; }
  // The CRC64 written after EOF (0 until finish() has written it).
  uint64_t checksum() const { return checksum_; }

 private:
  enum class State { kNew, kBody, kDone };

  void put_bytes(const void* data, size_t n);
  void put_bytes_slow(const void* data, size_t n);
  void put_byte(unsigned char b);
  void put_length(uint64_t len);
  void put_string(std::string_view s);
  void put_string_maybe_int(std::string_view s);
  void put_aux(std::string_view key, std::string_view value);
  void pause_after_header();
  // Commits the window's filled bytes (checksummed up to EOF) and gives the window back.
  void commit_window();
  // Commits the current window and reserves the next; false after a failure.
  bool next_window();
  Status fail(Status s);

  OutputSink* sink_;
  RdbWriterOptions opt_;
  char* win_ = nullptr;  // the window being filled: [win_, end_), filled up to cur_
  char* cur_ = nullptr;
  char* end_ = nullptr;
  int64_t committed_ = 0;
  uint64_t crc_ = 0;       // of every committed byte up to and including EOF
  bool past_eof_ = false;  // committing the checksum itself
  uint64_t checksum_ = 0;
  ContentDigest digest_;
  State state_ = State::kNew;
  Status status_;
};

}  // namespace rpbench::rdb

// Recording and replaying op sequences. The binary format is described in
// workloads/TRACE_FORMAT.md: a versioned header (op count, seed, key count, stream, free-form
// spec text) with a CRC-32, then varint-coded records with their own CRC-32. The CSV writer is
// for people and plotting scripts (`rpbench sample --format csv`).
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "workloads/op.h"

namespace rpbench::workloads {

inline constexpr uint32_t kTraceVersion = 1;
inline constexpr size_t kTraceMaxSpecBytes = 16u << 20;

// What a trace says about where its ops came from.
struct TraceInfo {
  uint64_t seed = 0;
  uint64_t key_count = 0;
  uint32_t thread_index = 0;
  uint32_t thread_count = 1;
  std::string spec;  // free text, e.g. the resolved workload JSON; at most kTraceMaxSpecBytes
};

// Writes to a temporary file next to `path` and renames it into place on close(); destroyed
// without close() (e.g. by an exception), it removes the temporary file. Throws
// std::runtime_error naming the path when the file system fails.
class TraceWriter {
 public:
  TraceWriter(std::string path, TraceInfo info);
  ~TraceWriter() = default;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void write(const Op& op);
  // Flushes, completes the header, fsyncs and renames. Further writes are an error.
  void close();
  uint64_t op_count() const { return op_count_; }
  const std::string& path() const { return path_; }

 private:
  void flush();
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  std::string tmp_path_;  // mkstemp fills in the unique suffix while fd_ is initialized
  UniqueFd fd_;
  TempPathGuard guard_;
  TraceInfo info_;
  std::vector<char> buf_;
  uint64_t op_count_ = 0;
  uint64_t records_bytes_ = 0;
  uint32_t records_crc_ = 0;
  bool closed_ = false;
};

// Opens a trace and checks it whole (magic, version, sizes, both checksums) before the first op:
// an error naming the file (and the offset where it helps) if the file is missing, truncated, of
// another version, not a trace, or corrupt (kCorruption). A record that still does not decode
// (an op type out of range, a cut varint, a value above kMaxValueSize) ends the stream: next()
// returns false and status() says why.
class TraceReader {
 public:
  static StatusOr<std::unique_ptr<TraceReader>> open(std::string path);

  const TraceInfo& info() const { return info_; }
  uint64_t op_count() const { return op_count_; }

  // The next op; false after the last one, or when a record is corrupt (then status() is not ok).
  bool next(Op* op);
  const Status& status() const { return status_; }

 private:
  explicit TraceReader(std::string path) : path_(std::move(path)) {}
  Status check();
  bool fill(size_t want);
  Status corrupt(const std::string& what) const;

  std::string path_;
  UniqueFd fd_;
  TraceInfo info_;
  uint64_t op_count_ = 0;
  uint64_t records_begin_ = 0;
  uint64_t records_end_ = 0;
  uint64_t ops_read_ = 0;
  uint64_t file_pos_ = 0;  // file offset of buf_[0]
  std::vector<char> buf_;
  size_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  Status status_;
};

// Reads every op of a trace (see TraceReader for the errors).
StatusOr<std::vector<Op>> read_trace(const std::string& path);

// CSV: the header line `op,key_id,value_size`, then one line per op (op by name).
class CsvTraceWriter {
 public:
  explicit CsvTraceWriter(std::ostream& out);
  void write(OpType type, uint64_t key_id, uint32_t value_size);
  void write(const Op& op) { write(op.type, op.key_id, op.value_size); }

 private:
  std::ostream& out_;
};

}  // namespace rpbench::workloads

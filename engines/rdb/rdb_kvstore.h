// A KvStore as an RDB stream and back: the conveniences the fork-based engines use on top of the
// RdbWriter (rdb_writer.h) and the loader (rdb_loader.h). The only part of the library that knows
// the store.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "engines/content_digest.h"
#include "engines/kvstore/kvstore.h"
#include "engines/rdb/file_sink.h"
#include "engines/rdb/input_source.h"
#include "engines/rdb/output_sink.h"
#include "engines/rdb/rdb_loader.h"
#include "engines/rdb/rdb_writer.h"

namespace rpbench::rdb {

struct RdbWriteResult {
  Status status;         // ok, or the writer's (usually the sink's) first failure
  int64_t bytes = 0;     // bytes of the complete stream (0 unless ok)
  ContentDigest digest;  // digest of the pairs written (empty unless ok)
};

// Writes every pair of the store (RESIZEDB says store.size()) into `sink`, and finishes it.
RdbWriteResult write_rdb(const kvstore::KvStore& store, OutputSink* sink, const RdbWriterOptions& opt);

// save_rdb_file's options: the file sink's and the writer's.
struct RdbWriteOptions {
  FileSinkOptions file;
  RdbWriterOptions writer;
};

// Writes the store to `tmp_path` (created or truncated) through a FileSink and renames it to
// `final_path` when complete. On failure the temporary file is removed and `final_path` is
// untouched.
RdbWriteResult save_rdb_file(const kvstore::KvStore& store, const std::string& tmp_path, const std::string& final_path,
                             const RdbWriteOptions& opt);

// Replaces *store's content with the stream's. The store is cleared first; the stream is loaded
// into a new store (with the target's digest tracking) that is swapped in only once the whole
// stream has loaded and its checksum verified: on failure the target is left empty, never
// half-loaded. A duplicate key is kCorruption. `tick`, when given, is called every 65536 keys
// loaded (the rdb-fork engine's THP policy advises new heap there).
RdbLoadResult load_rdb(InputSource* in, kvstore::KvStore* store, const std::function<void()>& tick = {});

// The same from the file at `path` (see load_rdb_file in rdb_loader.h for its errors).
RdbLoadResult load_rdb_file(const std::string& path, kvstore::KvStore* store, const std::function<void()>& tick = {});

}  // namespace rpbench::rdb

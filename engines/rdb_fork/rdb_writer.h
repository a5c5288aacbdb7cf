// Writing a KvStore as an RDB file (version 10, as Redis 7.0 writes it: AUX fields redis-ver,
// redis-bits, ctime, used-mem, aof-base, then SELECTDB 0, RESIZEDB, every key as a string type
// with raw (uncompressed) strings, EOF and the CRC64). Output goes through one buffer of a
// configurable size; the file is written under a temporary name and renamed into place only once
// complete (and fsync'ed first when asked), as rdbSave does.
//
// Used inside the forked snapshot child, so it reports failures as values, never by exception.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/content_digest.h"
#include "engines/kvstore/kvstore.h"

namespace rpbench::rdb_fork {

struct RdbWriteOptions {
  size_t buffer_bytes = 65536;   // output buffer; flushed with one write() when full
  bool fsync = false;            // fsync the file (and its directory after the rename)
  int64_t used_mem = -1;         // value of the "used-mem" AUX field (0 when unknown)
  // Test hook: after the header has reached the file, sleep this long (lets a test kill the
  // child mid-save). 0 in every real run.
  unsigned test_pause_after_header_ms = 0;
};

struct RdbWriteResult {
  bool ok = false;
  std::string error;
  int64_t bytes = 0;                // bytes of the complete file
  ContentDigest digest;    // digest of the pairs written
};

// Writes the store to `fd` from its current position (the descriptor stays open). `name` is
// used in error messages.
RdbWriteResult write_rdb(const kvstore::KvStore& store, int fd, const std::string& name, const RdbWriteOptions& opt);

// Writes the store to `tmp_path` (created or truncated) and renames it to `final_path` when
// complete. On failure the temporary file is removed and `final_path` is untouched.
RdbWriteResult save_rdb_file(const kvstore::KvStore& store, const std::string& tmp_path,
                             const std::string& final_path, const RdbWriteOptions& opt);

}  // namespace rpbench::rdb_fork

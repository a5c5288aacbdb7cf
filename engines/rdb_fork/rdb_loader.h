// Loading an RDB file into a KvStore.
//
// Reads files this engine writes and files written by redis-server 7.0 (RDB versions 1..10) that
// hold string keys in db 0: raw, integer-encoded (INT8/16/32) and LZF-compressed strings; AUX,
// RESIZEDB, SELECTDB 0, EXPIRETIME(_MS), IDLE and FREQ opcodes are accepted (expire times are
// ignored: the store has no TTLs; they are counted). Function libraries, module data, other
// databases and every non-string value type are refused with a message naming them.
//
// Every error names the file and the byte offset: "dump.rdb: offset 1234: value type 'hash' (4)
// is not supported: only strings". The file is loaded into a new store and swapped into the
// target only when complete and its checksum verified; on failure the target is left empty
// (never half-loaded). The file itself is only read.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "engines/kvstore/kvstore.h"

namespace rpbench::rdb_fork {

struct RdbLoadResult {
  bool ok = false;
  std::string error;
  int64_t bytes = 0;            // file size
  int64_t keys = 0;             // keys loaded
  int version = 0;              // RDB version of the file
  int64_t expires_ignored = 0;  // keys that carried an expire time
  bool checksum_verified = false;  // false when the file's checksum field is 0 (disabled)
  std::string redis_ver;        // the file's "redis-ver" AUX field, if any
};

// Replaces *store's content with the file's (see above). The store is cleared first. `tick`, when
// given, is called every 65536 keys loaded (the engine's THP policy advises new heap there).
RdbLoadResult load_rdb_file(const std::string& path, kvstore::KvStore* store,
                            const std::function<void()>& tick = {});

}  // namespace rpbench::rdb_fork

// Loading an RDB stream: the parser, pulling its bytes from an InputSource
// (engines/rdb/input_source.h) and handing every pair to a callback as it parses.
//
// Reads streams this library writes and files written by redis-server 7.0 (RDB versions 1..10)
// that hold string keys in db 0: raw, integer-encoded (INT8/16/32) and LZF-compressed strings;
// AUX, RESIZEDB, SELECTDB 0, EXPIRETIME(_MS), IDLE and FREQ opcodes are accepted (expire times are
// ignored: the stores have no TTLs; they are counted). Function libraries, module data, other
// databases and every non-string value type are refused with a message naming them.
//
// Every error names the stream and the byte offset: "dump.rdb: offset 1234: value type 'hash' (4)
// is not supported: only strings". Codes: kCorruption for bytes that do not parse (bad magic, a
// truncated stream, a bad encoding, a duplicate key, a checksum mismatch, bytes after the end),
// kInvalidArgument for valid RDB content this loader does not support (a newer version, a
// non-string type, db != 0, functions, module data), the source's own code for a failed read,
// kResourceExhausted when memory runs out, and a callback's Status as it returned it.
//
// The checksum can only be verified at the end: the pair callback has seen every pair by then.
// A consumer that must not act on a stream that fails later keeps what it gets apart and uses it
// only once load_rdb() returned ok (the KvStore loader, engines/rdb/rdb_kvstore.h, does).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engines/rdb/input_source.h"

namespace rpbench::rdb {

struct RdbLoadResult {
  Status status;                   // ok, or why the stream did not load (see above)
  int64_t bytes = 0;               // the stream's size
  int64_t keys = 0;                // keys loaded (0 unless ok)
  int version = 0;                 // RDB version of the stream
  int64_t expires_ignored = 0;     // keys that carried an expire time
  bool checksum_verified = false;  // false when the stream's checksum field is 0 (disabled)
  std::string redis_ver;           // the stream's "redis-ver" AUX field, if any
};

// What the loader calls while it parses. Both are optional.
struct RdbLoadHandler {
  // Every string key, in stream order; the views are valid during the call only. A non-ok Status
  // stops the load: the result carries its code and message, after the stream's name and the
  // offset of the pair.
  std::function<Status(std::string_view key, std::string_view value)> on_pair;
  // RESIZEDB's key count, capped to what the bytes left could hold (a hint to size a table by).
  std::function<void(uint64_t keys)> on_key_count;
};

// Parses the whole stream from `in` (which is read to its end, or to the first error).
RdbLoadResult load_rdb(InputSource* in, const RdbLoadHandler& handler);

// The same from the file at `path` (a FileSource; opening errors name the path, a missing file is
// kNotFound).
RdbLoadResult load_rdb_file(const std::string& path, const RdbLoadHandler& handler);

}  // namespace rpbench::rdb

// fuzz_rdb: the RDB loader on arbitrary bytes, twice: the plain loader over one window (a
// MemorySource) with a pair callback that reads every key and value, then the KvStore loader over
// windows of 1..13 bytes (WindowSource). Both must agree: the same error, at the same offset, for
// a stream that does not load (bar a duplicate key, which only the store refuses), the same key
// count for one that does, and a store left empty on failure, never half-loaded. An error's
// message must be UTF-8 (it is written into results).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engines/content_digest.h"
#include "engines/kvstore/kvstore.h"
#include "engines/rdb/memory_source.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdb/rdb_loader.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/window_source.h"

using rpbench::Status;
using rpbench::rdb::RdbLoadResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.rdb";

  int64_t pairs = 0;
  rpbench::ContentDigest digest;  // hashes every byte of every pair (ASan checks the views)
  rpbench::rdb::RdbLoadHandler handler;
  handler.on_pair = [&](std::string_view key, std::string_view value) {
    digest.add(key, value);
    ++pairs;
    return Status::Ok();
  };
  handler.on_key_count = [&](uint64_t keys) { FUZZ_CHECK(keys <= size / 3 + 1); };
  rpbench::rdb::MemorySource whole(bytes, name);
  const RdbLoadResult one = rpbench::rdb::load_rdb(&whole, handler);
  FUZZ_CHECK(one.bytes == static_cast<int64_t>(size));
  FUZZ_CHECK(one.status.ok() ? one.keys == pairs : one.keys == 0);
  // A recovery's error goes into the result (JSON): it must be UTF-8 (dump() throws otherwise).
  (void)nlohmann::json(one.status.message()).dump();

  rpbench::fuzz::WindowSource windows(bytes, name);
  rpbench::kvstore::KvStore store;
  store.set_track_digest(true);
  store.put("stale", "content");
  const RdbLoadResult many = rpbench::rdb::load_rdb(&windows, &store);
  if (many.status.ok()) {
    FUZZ_CHECK(one.status.ok());
    FUZZ_CHECK(many.keys == one.keys);
    FUZZ_CHECK(static_cast<int64_t>(store.size()) == many.keys);
    FUZZ_CHECK(store.digest() == digest);
    FUZZ_CHECK(many.version == one.version && many.checksum_verified == one.checksum_verified);
  } else {
    FUZZ_CHECK(store.size() == 0);
    const bool duplicate = many.status.message().find("duplicate key") != std::string::npos;
    if (!duplicate) {
      FUZZ_CHECK(many.status.code() == one.status.code());
      FUZZ_CHECK(many.status.message() == one.status.message());
    }
  }
  return 0;
}

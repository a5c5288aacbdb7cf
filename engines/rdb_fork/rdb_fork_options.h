// The rdb-fork engine's options, declared once (rdb_fork_option_table(): each field names the
// member it fills, its default is the member's value below) and the typed struct the engine is
// built from. "allocator" is a common engine option declared by the harness, not here.
#pragma once
#include <cstdint>
#include <string>

#include "base/field.h"
#include "engines/kvstore/thp_policy.h"

namespace rpbench::rdb_fork {

inline constexpr int64_t kMinBufferBytes = 4096;
inline constexpr int64_t kMaxBufferBytes = int64_t{1} << 30;

struct RdbForkOptions {
  // Parent directory; created if missing. The engine works in a private subdirectory
  // <dir>/rdb-fork-XXXXXX made per engine instance (mkdtemp), removed when the engine closes
  // unless keep_dir.
  std::string dir = "/tmp/rpbench";
  std::string rdb_file = "dump.rdb";  // final snapshot name in that subdirectory (a plain file name)
  int64_t buffer_bytes = 65536;       // snapshot write buffer, [kMinBufferBytes, kMaxBufferBytes]
  bool fsync = false;                 // fsync the snapshot before the rename
  kvstore::ThpMode thp = kvstore::ThpMode::kDefault;
  bool keep_dir = false;  // keep the private subdirectory and its files at close
  // Test hook (not a config field): the snapshot child sleeps this long after writing the header.
  unsigned test_child_pause_ms = 0;
};

// The declarations of the options above (except the test hook).
const config::OptionTable<RdbForkOptions>& rdb_fork_option_table();

// "" when `name` is a plain file name (not empty, no '/', not "." or ".."), else what is wrong.
std::string plain_file_name_problem(const std::string& name);

}  // namespace rpbench::rdb_fork

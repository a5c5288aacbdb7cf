// The rdb-fork engine's options: declared once as config::Field (paths relative to `engine`),
// and the typed struct the engine is built from. "allocator" is a common engine option declared
// by the harness, not here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/field.h"

namespace rpbench::rdb_fork {

struct RdbForkOptions {
  // Parent directory; created if missing. The engine works in a private subdirectory
  // <dir>/rdb-fork-XXXXXX made per engine instance (mkdtemp), removed when the engine closes
  // unless keep_files.
  std::string dir = "/tmp/rpbench";
  std::string rdb_file = "dump.rdb";  // final snapshot name in that subdirectory (no '/')
  int64_t buffer_bytes = 65536;       // snapshot write buffer, [4096, 1 GiB]
  bool fsync = false;                 // fsync the snapshot before the rename
  std::string thp = "default";        // never | madvise | default (see thp_policy.h)
  bool keep_files = false;            // keep the private subdirectory and its files at close
  // Test hook (not a config field): the snapshot child sleeps this long after writing the header.
  unsigned test_child_pause_ms = 0;

  // Reads the resolved `engine` section (defaults filled); a missing field takes the default
  // above. Throws std::invalid_argument naming the field when a value is out of range.
  static RdbForkOptions from_json(const nlohmann::json& engine);
};

// The declarations of the options above (except the test hook).
std::vector<config::Field> rdb_fork_option_fields();

}  // namespace rpbench::rdb_fork

#include "engines/rdb_fork/rdb_fork_options.h"

#include <stdexcept>

namespace rpbench::rdb_fork {

namespace {
constexpr int64_t kMinBuffer = 4096;
constexpr int64_t kMaxBuffer = int64_t{1} << 30;
}  // namespace

std::vector<config::Field> rdb_fork_option_fields() {
  using namespace config;
  const RdbForkOptions d;
  return {
      String("dir", d.dir,
             "parent directory for snapshots (created if missing); each engine instance works in a private "
             "subdirectory rdb-fork-XXXXXX inside it"),
      String("rdb_file", d.rdb_file, "file name of the complete snapshot in that subdirectory (no '/')"),
      Int("buffer_bytes", d.buffer_bytes, static_cast<double>(kMinBuffer), static_cast<double>(kMaxBuffer),
          "bytes of the snapshot child's write buffer (one write() per full buffer)"),
      Bool("fsync", d.fsync, "fsync the snapshot file (and its directory) before reporting it complete"),
      Enum("thp", d.thp, {"never", "madvise", "default"},
           "transparent huge pages for the store: never (prctl THP_DISABLE), madvise (advise the heap), "
           "default (system setting)"),
      Bool("keep_files", d.keep_files, "keep the private snapshot directory when the engine closes"),
  };
}

RdbForkOptions RdbForkOptions::from_json(const nlohmann::json& engine) {
  RdbForkOptions o;
  if (!engine.is_object()) throw std::invalid_argument("engine: expected an object");
  try {
    o.dir = engine.value("dir", o.dir);
    o.rdb_file = engine.value("rdb_file", o.rdb_file);
    o.buffer_bytes = engine.value("buffer_bytes", o.buffer_bytes);
    o.fsync = engine.value("fsync", o.fsync);
    o.thp = engine.value("thp", o.thp);
    o.keep_files = engine.value("keep_files", o.keep_files);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("engine (rdb-fork): ") + e.what());
  }
  if (o.dir.empty()) throw std::invalid_argument("engine.dir: must not be empty");
  if (o.rdb_file.empty() || o.rdb_file.find('/') != std::string::npos || o.rdb_file == "." || o.rdb_file == "..") {
    throw std::invalid_argument("engine.rdb_file: '" + o.rdb_file + "' must be a plain file name");
  }
  if (o.buffer_bytes < kMinBuffer || o.buffer_bytes > kMaxBuffer) {
    throw std::invalid_argument("engine.buffer_bytes: " + std::to_string(o.buffer_bytes) + " is outside [4096, 1073741824]");
  }
  if (o.thp != "never" && o.thp != "madvise" && o.thp != "default") {
    throw std::invalid_argument("engine.thp: '" + o.thp + "' is not one of never, madvise, default");
  }
  return o;
}

}  // namespace rpbench::rdb_fork

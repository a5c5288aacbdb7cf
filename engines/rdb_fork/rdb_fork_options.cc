#include "engines/rdb_fork/rdb_fork_options.h"

namespace rpbench::rdb_fork {

std::string plain_file_name_problem(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return "must be a plain file name (no '/', not empty, not . or ..), got \"" + name + "\"";
  return "";
}

const config::OptionTable<RdbForkOptions>& rdb_fork_option_table() {
  static const config::OptionTable<RdbForkOptions> table = [] {
    using O = RdbForkOptions;
    config::OptionTable<O> t;
    t.string("dir", &O::dir,
             "parent directory for snapshots (created if missing); each engine instance works in a private "
             "subdirectory rdb-fork-XXXXXX inside it")
        .with_check([](const nlohmann::json& v) {
          return v.get<std::string>().empty() ? std::string("must not be empty") : std::string();
        });
    t.string("rdb_file", &O::rdb_file, "file name of the complete snapshot in that subdirectory (no '/')")
        .with_check([](const nlohmann::json& v) { return plain_file_name_problem(v.get<std::string>()); });
    t.integer("buffer_bytes", &O::buffer_bytes, kMinBufferBytes, kMaxBufferBytes,
              "bytes of the snapshot child's write buffer (one write() per full buffer)");
    t.boolean("fsync", &O::fsync, "fsync the snapshot file (and its directory) before reporting it complete");
    t.choice("thp", &O::thp, kvstore::kThpModeNames,
             "transparent huge pages for the store: never (prctl THP_DISABLE), madvise (advise the heap), "
             "default (system setting)");
    t.boolean("keep_dir", &O::keep_dir, "keep the private snapshot directory when the engine closes");
    return t;
  }();
  return table;
}

}  // namespace rpbench::rdb_fork

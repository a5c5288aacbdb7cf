// Running the rpbench binary from an engine test: a config written to a file, `rpbench run` in a
// fresh process with the memory node's token in its environment, and its result read back.
#pragma once
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "tests/engines/test_util.h"

extern char** environ;

namespace rpbench::testing {

// Runs `rpbench run DIR/NAME.json -o DIR/NAME-result.json`; its exit status, -1 when it did not exit.
inline int run_rpbench(const std::string& rpbench, const nlohmann::json& config, const TempDir& dir,
                       const std::string& name, const std::string& token) {
  const std::string cfg = dir.file(name + ".json");
  std::ofstream(cfg) << config.dump(2);
  SpawnOptions so;
  so.path = rpbench;
  so.args = {rpbench, "run", cfg, "-o", dir.file(name + "-result.json")};
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("RPBENCH_MEMNODE_TOKEN=", 0) != 0) so.env.emplace_back(*e);
  so.env.push_back("RPBENCH_MEMNODE_TOKEN=" + token);
  auto child = ChildProcess::spawn(so);
  if (!child.ok()) return -1;
  const std::optional<int> st = child->wait_for(std::chrono::seconds(240));
  if (!st || !WIFEXITED(*st)) return -1;
  return WEXITSTATUS(*st);
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace rpbench::testing

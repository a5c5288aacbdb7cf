// Helpers for the redis engine tests: skip without redis-server, open the engine with options
// (declared defaults filled as the config layer does), and a private temporary directory.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engines/redis/redis_engine.h"
#include "engines/redis/server_process.h"
#include "tests/engines/test_util.h"

namespace rpbench::redis::testing {

inline constexpr const char* kServer = "/usr/bin/redis-server";

inline bool have_server() { return ::access(kServer, X_OK) == 0; }

// A redis-server of the test's own (its data in `dir`), stopped when the returned object goes.
// Fails the test (by exception) when it cannot start.
inline std::unique_ptr<ServerProcess> start_test_server(const std::string& dir) {
  ServerSpec spec;
  spec.server_path = kServer;
  spec.dir = dir;
  auto s = ServerProcess::start(spec);
  if (!s.ok()) throw std::runtime_error(s.status().to_string());
  return std::move(*s);
}

// A connection of the test's own; fails the test (by exception) when it cannot connect.
inline std::unique_ptr<Connection> connect_test(int port) {
  auto c = Connection::open("127.0.0.1", port, 2000, 5000);
  if (!c.ok()) throw std::runtime_error(c.status().to_string());
  return std::move(*c);
}

#define RPBENCH_REQUIRE_REDIS()                                                         \
  do {                                                                                  \
    if (!::rpbench::redis::testing::have_server())                                      \
      GTEST_SKIP() << "/usr/bin/redis-server is missing (Debian package redis-server)"; \
  } while (0)

using ::rpbench::testing::TempDir;  // tests/engines/test_util.h

// The engine section as the config layer resolves it: every declared option at its default,
// then the test's overrides.
inline nlohmann::json engine_options(const nlohmann::json& overrides) {
  nlohmann::json o = {{"type", "redis"}, {"allocator", "glibc"}};
  for (const auto& f : redis_engine_entry().options) {
    if (!f.default_value.is_null()) o[f.path] = f.default_value;
  }
  for (auto it = overrides.begin(); it != overrides.end(); ++it) o[it.key()] = it.value();
  return o;
}

// Opens the engine with these option overrides; the error when it cannot.
inline StatusOr<std::unique_ptr<Engine>> try_open_engine(const nlohmann::json& overrides) {
  const nlohmann::json opts = engine_options(overrides);
  const nlohmann::json experiment = {{"engine", opts}};
  return redis_engine_entry().open(EngineOpenArgs{opts, experiment, 42});
}

// The engine as the driver leaves it in a load phase: puts are pipelined (pipeline_depth > 1).
// Fails the test (by exception) when it cannot open.
inline std::unique_ptr<Engine> open_engine(const nlohmann::json& overrides) {
  auto e = try_open_engine(overrides);
  if (!e.ok()) throw std::runtime_error(e.status().to_string());
  (*e)->begin_phase("load");
  return std::move(*e);
}

inline bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// Polls until the snapshot reports, or fails the test after `seconds`.
inline std::optional<SnapshotReport> wait_snapshot(Engine& e, double seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = e.poll_snapshot()) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

}  // namespace rpbench::redis::testing

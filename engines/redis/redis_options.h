// Options of engine `redis`, declared once (redis_option_table(): each field names the member it
// fills, its default is the member's value below).
//
// Managed mode (the default) starts a private redis-server; attach mode (managed=false) drives a
// server someone else runs at `address` and never starts, stops, flushes or reconfigures it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/field.h"

namespace rpbench::redis {

// Where a snapshot's digest comes from (see the field's help).
enum class DigestFrom { kRecover, kScan, kRdb };
inline constexpr config::NameTable<DigestFrom, 3> kDigestFromNames{
    {{DigestFrom::kRecover, "recover"}, {DigestFrom::kScan, "scan"}, {DigestFrom::kRdb, "rdb"}}};

struct RedisOptions {
  // Server life cycle.
  bool managed = true;  // start and stop a private redis-server
  std::string address;  // attach mode: "host:port" (managed=false only)
  std::string server_path = "/usr/bin/redis-server";
  std::string dir = "/tmp/rpbench";  // the private directory is made under it
  bool keep_dir = false;             // keep the private directory (RDB, log) at the end
  int start_timeout_ms = 10000;      // until the server accepts connections
  int load_timeout_s = 600;          // until it has loaded its RDB (recover)
  int timeout_ms = 10000;            // each command's I/O timeout (hiredis)
  // Server settings applied at start (managed mode).
  bool rdbcompression = false;
  bool rdbchecksum = true;
  bool disable_thp = true;
  int64_t maxmemory_bytes = 0;
  bool jemalloc_bg_thread = true;
  int io_threads = 1;
  // Client side.
  int pipeline_depth = 64;  // puts buffered per connection before their replies are read
  bool digest = true;       // the snapshot reports a content digest (verify needs one)
  DigestFrom digest_from = DigestFrom::kRecover;
  int info_poll_ms = 10;  // poll_snapshot queries INFO at most this often
};

const config::OptionTable<RedisOptions>& redis_option_table();

// What is wrong across fields (address with managed, managed=false without an address, an empty
// server_path or dir in managed mode), as "field: message"; "" when nothing.
struct OptionProblem {
  std::string field;  // relative to `engine`
  std::string message;
};
std::optional<OptionProblem> redis_options_problem(const RedisOptions& o);

// The settings applied to the server, for the engine report.
nlohmann::json settings_json(const RedisOptions& o);

}  // namespace rpbench::redis

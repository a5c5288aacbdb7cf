// Options of engine `redis`, declared once (redis_option_fields) and read into a typed struct.
//
// Managed mode (the default) starts a private redis-server; attach mode (managed=false) drives a
// server someone else runs at `address` and never starts, stops, flushes or reconfigures it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/field.h"

namespace rpbench::redis {

struct RedisOptions {
  // Server life cycle.
  bool managed = true;                             // start and stop a private redis-server
  std::string address;                             // attach mode: "host:port" (managed=false only)
  std::string attach_host;                         // parsed from address
  int attach_port = 0;                             // parsed from address
  std::string server_path = "/usr/bin/redis-server";
  std::string dir = "/tmp/rpbench";                // the private directory is made under it
  bool keep_dir = false;                           // keep the private directory (RDB, log) at the end
  int start_timeout_ms = 10000;                    // until the server accepts connections
  int load_timeout_s = 600;                        // until it has loaded its RDB (recover)
  int timeout_ms = 10000;                          // each command's I/O timeout (hiredis)
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
  std::string digest_from = "scan";  // "scan": keyspace at begin_snapshot; "rdb": the finished RDB
  int info_poll_ms = 10;    // poll_snapshot queries INFO at most this often
};

// The declarations the registry publishes (paths relative to `engine`; without type/allocator).
std::vector<config::Field> redis_option_fields();

// Reads the resolved `engine` section (a missing option takes its declared default). Throws
// std::invalid_argument naming the option for a value the declarations cannot express as
// invalid (address syntax, address with managed=true, managed=false without address).
RedisOptions parse_redis_options(const nlohmann::json& engine_section);

// The settings applied to the server, for the engine report.
nlohmann::json settings_json(const RedisOptions& o);

}  // namespace rpbench::redis

#include "engines/redis/redis_options.h"

#include <charconv>
#include <stdexcept>

namespace rpbench::redis {

std::vector<config::Field> redis_option_fields() {
  using namespace config;
  return {
      Bool("managed", true, "start a private redis-server (false: attach to `address`, never start/stop/flush it)"),
      String("address", "", "attach mode (managed=false): the server's host:port"),
      String("server_path", "/usr/bin/redis-server", "redis-server binary (Debian package redis-server)"),
      String("dir", "/tmp/rpbench", "parent of the private directory holding the RDB and the server log"),
      Bool("keep_dir", false, "keep the private directory (dump.rdb, redis.log) at the end"),
      Int("start_timeout_ms", 10000, 100, 600000, "wait this long for the server to accept connections"),
      Int("load_timeout_s", 600, 1, 86400, "wait this long for the server to load its RDB (recover)"),
      Int("timeout_ms", 10000, 10, 3600000, "I/O timeout of every command (a dead server is an error, not a hang)"),
      Bool("rdbcompression", false, "redis rdbcompression (LZF-compress strings in the RDB)"),
      Bool("rdbchecksum", true, "redis rdbchecksum (CRC64 at the end of the RDB)"),
      Bool("disable_thp", true, "redis disable-thp (turn transparent huge pages off for the server)"),
      Int("maxmemory_bytes", 0, 0, 1e15, "redis maxmemory (0: no limit)"),
      Bool("jemalloc_bg_thread", true, "redis jemalloc-bg-thread (background purging)"),
      Int("io_threads", 1, 1, 128, "redis io-threads"),
      Int("pipeline_depth", 64, 1, 100000,
          "load phases: SETs buffered per client connection before their replies are read (1: one round trip "
          "each); a pipelined put's latency is amortized. Run phases always send each command on its own"),
      Bool("digest", true, "the snapshot reports a content digest, so verify can compare (false: none)"),
      Enum("digest_from", "recover", {"recover", "scan", "rdb"},
           "recover: verify parses the RDB the last recover loaded, nothing is done during the run (verify then "
           "checks the reload, not the fork-time content); scan: SCAN+MGET the keyspace in begin_snapshot before "
           "BGSAVE (exact with one client thread, but it stalls client thread 0 before the fork); rdb: parse the "
           "finished RDB in poll_snapshot (exact with any thread count, but it stalls client thread 0 at the end)"),
      Int("info_poll_ms", 10, 1, 10000, "poll_snapshot queries INFO at most this often"),
  };
}

namespace {

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T def) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return def;
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("engine.") + key + ": " + e.what());
  }
}

}  // namespace

RedisOptions parse_redis_options(const nlohmann::json& s) {
  RedisOptions o;
  o.managed = get_or(s, "managed", o.managed);
  o.address = get_or(s, "address", o.address);
  o.server_path = get_or(s, "server_path", o.server_path);
  o.dir = get_or(s, "dir", o.dir);
  o.keep_dir = get_or(s, "keep_dir", o.keep_dir);
  o.start_timeout_ms = get_or(s, "start_timeout_ms", o.start_timeout_ms);
  o.load_timeout_s = get_or(s, "load_timeout_s", o.load_timeout_s);
  o.timeout_ms = get_or(s, "timeout_ms", o.timeout_ms);
  o.rdbcompression = get_or(s, "rdbcompression", o.rdbcompression);
  o.rdbchecksum = get_or(s, "rdbchecksum", o.rdbchecksum);
  o.disable_thp = get_or(s, "disable_thp", o.disable_thp);
  o.maxmemory_bytes = get_or(s, "maxmemory_bytes", o.maxmemory_bytes);
  o.jemalloc_bg_thread = get_or(s, "jemalloc_bg_thread", o.jemalloc_bg_thread);
  o.io_threads = get_or(s, "io_threads", o.io_threads);
  o.pipeline_depth = get_or(s, "pipeline_depth", o.pipeline_depth);
  o.digest = get_or(s, "digest", o.digest);
  o.digest_from = get_or(s, "digest_from", o.digest_from);
  o.info_poll_ms = get_or(s, "info_poll_ms", o.info_poll_ms);

  if (o.pipeline_depth < 1) throw std::invalid_argument("engine.pipeline_depth: must be >= 1");
  if (o.digest_from != "scan" && o.digest_from != "rdb" && o.digest_from != "recover") {
    throw std::invalid_argument("engine.digest_from: '" + o.digest_from + "' is not one of recover, scan, rdb");
  }
  if (o.managed) {
    if (!o.address.empty()) {
      throw std::invalid_argument("engine.address '" + o.address +
                                  "' applies only to attach mode: set engine.managed=false to use it");
    }
    if (o.server_path.empty()) throw std::invalid_argument("engine.server_path: empty");
    if (o.dir.empty()) throw std::invalid_argument("engine.dir: empty");
    return o;
  }
  const size_t colon = o.address.rfind(':');
  if (o.address.empty() || colon == std::string::npos || colon == 0 || colon + 1 == o.address.size()) {
    throw std::invalid_argument("engine.address '" + o.address + "': attach mode (managed=false) needs host:port");
  }
  o.attach_host = o.address.substr(0, colon);
  const std::string port = o.address.substr(colon + 1);
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), o.attach_port);
  if (ec != std::errc() || p != port.data() + port.size() || o.attach_port < 1 || o.attach_port > 65535) {
    throw std::invalid_argument("engine.address '" + o.address + "': port '" + port + "' is not in 1..65535");
  }
  return o;
}

nlohmann::json settings_json(const RedisOptions& o) {
  return {{"rdbcompression", o.rdbcompression},   {"rdbchecksum", o.rdbchecksum},
          {"disable_thp", o.disable_thp},         {"maxmemory_bytes", o.maxmemory_bytes},
          {"jemalloc_bg_thread", o.jemalloc_bg_thread}, {"io_threads", o.io_threads},
          {"pipeline_depth", o.pipeline_depth},   {"digest", o.digest}, {"digest_from", o.digest_from},
          {"info_poll_ms", o.info_poll_ms},       {"timeout_ms", o.timeout_ms}};
}

}  // namespace rpbench::redis

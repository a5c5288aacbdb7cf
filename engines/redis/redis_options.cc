#include "engines/redis/redis_options.h"

#include <charconv>

#include "base/host_port.h"

namespace rpbench::redis {

const config::OptionTable<RedisOptions>& redis_option_table() {
  static const config::OptionTable<RedisOptions> table = [] {
    using O = RedisOptions;
    config::OptionTable<O> t;
    t.boolean("managed", &O::managed,
              "start a private redis-server (false: attach to `address`, never start/stop/flush it)");
    t.string("address", &O::address, "attach mode (managed=false): the server's host:port");
    t.string("server_path", &O::server_path, "redis-server binary (Debian package redis-server)");
    t.string("dir", &O::dir, "parent of the private directory holding the RDB and the server log");
    t.boolean("keep_dir", &O::keep_dir, "keep the private directory (dump.rdb, redis.log) at the end");
    t.integer("start_timeout_ms", &O::start_timeout_ms, 100, 600000,
              "wait this long for the server to accept connections");
    t.integer("load_timeout_s", &O::load_timeout_s, 1, 86400,
              "wait this long for the server to load its RDB (recover)");
    t.integer("timeout_ms", &O::timeout_ms, 10, 3600000,
              "I/O timeout of every command (a dead server is an error, not a hang)");
    t.boolean("rdbcompression", &O::rdbcompression, "redis rdbcompression (LZF-compress strings in the RDB)");
    t.boolean("rdbchecksum", &O::rdbchecksum, "redis rdbchecksum (CRC64 at the end of the RDB)");
    t.boolean("disable_thp", &O::disable_thp, "redis disable-thp (turn transparent huge pages off for the server)");
    t.integer("maxmemory_bytes", &O::maxmemory_bytes, 0, 1e15, "redis maxmemory (0: no limit)");
    t.boolean("jemalloc_bg_thread", &O::jemalloc_bg_thread, "redis jemalloc-bg-thread (background purging)");
    t.integer("io_threads", &O::io_threads, 1, 128, "redis io-threads");
    t.integer("pipeline_depth", &O::pipeline_depth, 1, 100000,
              "load phases: SETs buffered per client connection before their replies are read (1: one round trip "
              "each); a pipelined put's latency is amortized. Run phases always send each command on its own");
    t.boolean("digest", &O::digest, "the snapshot reports a content digest, so verify can compare (false: none)");
    t.choice("digest_from", &O::digest_from, kDigestFromNames,
             "recover: verify parses the RDB the last recover loaded, nothing is done during the run (verify then "
             "checks the reload, not the fork-time content); scan: SCAN+MGET the keyspace in begin_snapshot before "
             "BGSAVE (exact with one client thread, but it stalls client thread 0 before the fork); rdb: parse the "
             "finished RDB in poll_snapshot (exact with any thread count, but it stalls client thread 0 at the end)");
    t.integer("info_poll_ms", &O::info_poll_ms, 1, 10000, "poll_snapshot queries INFO at most this often");
    return t;
  }();
  return table;
}

std::optional<OptionProblem> redis_options_problem(const RedisOptions& o) {
  if (o.managed) {
    if (!o.address.empty())
      return OptionProblem{"address",
                           "'" + o.address + "' applies only to attach mode: set engine.managed=false to use it"};
    if (o.server_path.empty()) return OptionProblem{"server_path", "must not be empty"};
    if (o.dir.empty()) return OptionProblem{"dir", "must not be empty"};
    return std::nullopt;
  }
  if (const StatusOr<HostPort> hp = parse_host_port(o.address); !hp.ok())
    return OptionProblem{"address",
                         hp.status().message() + " (attach mode, managed=false, connects to a running server)"};
  return std::nullopt;
}

nlohmann::json settings_json(const RedisOptions& o) {
  return {{"rdbcompression", o.rdbcompression},
          {"rdbchecksum", o.rdbchecksum},
          {"disable_thp", o.disable_thp},
          {"maxmemory_bytes", o.maxmemory_bytes},
          {"jemalloc_bg_thread", o.jemalloc_bg_thread},
          {"io_threads", o.io_threads},
          {"pipeline_depth", o.pipeline_depth},
          {"digest", o.digest},
          {"digest_from", config::name_of(kDigestFromNames, o.digest_from)},
          {"info_poll_ms", o.info_poll_ms},
          {"timeout_ms", o.timeout_ms}};
}

}  // namespace rpbench::redis

#include "engines/redis/redis_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/errno_text.h"
#include "base/host_port.h"
#include "base/private_dir.h"
#include "engines/content_digest.h"
#include "engines/rdb/rdb_loader.h"
#include "engines/redis/connection.h"
#include "engines/redis/info_parser.h"
#include "engines/redis/redis_options.h"
#include "engines/redis/server_log.h"
#include "engines/redis/server_process.h"

namespace rpbench {
namespace redis {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

// One connection with the SETs appended to it whose replies have not been read yet.
struct Client {
  std::mutex mu;
  std::unique_ptr<Connection> conn;
  int pending = 0;  // guarded by mu
};

struct ScanResult {
  std::string digest;
  int64_t keys = 0;
  int64_t vanished = 0;  // listed by SCAN, gone by MGET (only if someone else writes)
  double ms = 0;
};

// What begin_snapshot recorded for poll_snapshot.
struct RunningSnapshot {
  int64_t saves_before = 0;
  int64_t keys = 0;
  size_t client_connections = 0;  // threads that have called put/get/del so far
  std::string digest;
  nlohmann::json scan = nullptr;
  Clock::time_point started;
  Clock::time_point next_poll;
};

class RedisEngine final : public Engine {
 public:
  static StatusOr<std::unique_ptr<RedisEngine>> open(RedisOptions opt);
  ~RedisEngine() override;

  Status put(std::string_view key, std::string_view value) override;
  Status get(std::string_view key, std::string* value) override;
  Status del(std::string_view key) override;
  Status begin_snapshot() override;
  std::optional<SnapshotReport> poll_snapshot() override;
  RecoveryReport recover() override;
  StatusOr<std::string> digest() override;
  void begin_phase(std::string_view phase_type) override {
    pipelining_.store(phase_type == "load" && opt_.pipeline_depth > 1);
  }
  Status end_phase() override { return flush_all(); }
  nlohmann::json report() const override;
  StatusOr<std::string> recovered_snapshot_digest() override;

 private:
  explicit RedisEngine(RedisOptions opt);
  Status start_server();
  std::string address() const { return host_ + ":" + std::to_string(port_); }
  Client& my_client() const;
  Status ensure_connected(Client& c) const;                   // c.mu held
  Status io_failure(Client& c, std::string_view what) const;  // c.mu held; drops the connection
  Status drain(Client& c) const;                              // c.mu held
  Status flush_all() const;
  void drop_all_connections();
  std::string server_note() const;
  // Control-connection helpers (control_.mu held). An error reply is an Error naming the command.
  Status control(const std::vector<std::string_view>& args, Reply* out) const;
  Status info(const std::vector<std::string_view>& sections, InfoFields* out) const;
  Status scan_digest(ScanResult* out) const;
  std::string rdb_path(nlohmann::json* extra) const;
  SnapshotReport finish_snapshot(const InfoFields& inf);
  void digest_rdb(SnapshotReport* rep) const;

  RedisOptions opt_;
  PrivateDir private_dir_;  // managed mode: removed when the engine goes, unless keep_dir
  std::string dir_;         // its path
  std::string host_;
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  mutable std::mutex clients_mu_;
  mutable std::unordered_map<std::thread::id, std::unique_ptr<Client>> clients_;
  mutable std::atomic<int64_t> total_pending_{0};
  std::atomic<bool> pipelining_{false};  // only in load phases (begin_phase)
  mutable Client control_;
  std::optional<RunningSnapshot> snap_;
  std::string recovered_from_;  // the RDB the last recover() restarted the server on
  int snapshots_ok_ = 0, snapshots_failed_ = 0, recoveries_ = 0;
};

RedisEngine::RedisEngine(RedisOptions opt) : Engine(kRedisEngineInfo), opt_(std::move(opt)) {}

StatusOr<std::unique_ptr<RedisEngine>> RedisEngine::open(RedisOptions opt) {
  if (auto problem = redis_options_problem(opt))
    return Status::InvalidArgument("engine." + problem->field + ": " + problem->message);
  std::unique_ptr<RedisEngine> e(new RedisEngine(std::move(opt)));
  const RedisOptions& o = e->opt_;
  if (!o.managed) {
    const StatusOr<HostPort> hp = parse_host_port(o.address);
    if (!hp.ok()) return hp.status().with_context("engine.address: ");  // refused above already
    e->host_ = hp->host;
    e->port_ = hp->port;
    std::lock_guard<std::mutex> lk(e->control_.mu);
    Reply r;
    if (Status s = e->control({"PING"}, &r); !s.ok())
      return s.with_context("attach mode: redis at " + o.address + " does not answer PING: ");
    return e;
  }
  if (::access(o.server_path.c_str(), X_OK) != 0)
    return Status::NotFound("redis-server not found or not executable at '" + o.server_path +
                            "' (engine.server_path): " + errno_text() + "; install the Debian package redis-server");
  StatusOr<PrivateDir> dir = PrivateDir::create(o.dir, "redis");
  if (!dir.ok()) return dir.status();
  e->private_dir_ = std::move(*dir);
  e->private_dir_.keep(o.keep_dir);
  e->dir_ = e->private_dir_.path();
  e->host_ = "127.0.0.1";
  if (Status s = e->start_server(); !s.ok()) return s;
  return e;
}

RedisEngine::~RedisEngine() {
  drop_all_connections();
  server_.reset();  // SHUTDOWN NOSAVE / SIGTERM / SIGKILL, reaped (before the directory goes)
}

Status RedisEngine::start_server() {
  ServerSpec spec;
  spec.server_path = opt_.server_path;
  spec.dir = dir_;
  spec.start_timeout_ms = opt_.start_timeout_ms;
  spec.load_timeout_s = opt_.load_timeout_s;
  spec.settings = {
      "--rdbcompression",     yes_no(opt_.rdbcompression),     "--rdbchecksum", yes_no(opt_.rdbchecksum),
      "--disable-thp",        yes_no(opt_.disable_thp),        "--maxmemory",   std::to_string(opt_.maxmemory_bytes),
      "--jemalloc-bg-thread", yes_no(opt_.jemalloc_bg_thread), "--io-threads",  std::to_string(opt_.io_threads)};
  StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::start(spec);
  if (!server.ok()) return server.status();
  server_ = std::move(*server);
  port_ = server_->port();
  return Status::Ok();
}

// ---- connections -------------------------------------------------------------------------

Client& RedisEngine::my_client() const {
  std::lock_guard<std::mutex> lk(clients_mu_);
  std::unique_ptr<Client>& slot = clients_[std::this_thread::get_id()];
  if (!slot) slot = std::make_unique<Client>();
  return *slot;
}

std::string RedisEngine::server_note() const {
  if (!server_) return opt_.managed ? "; the managed redis-server is not running (its restart failed)" : "";
  // A killed server's sockets close as it dies; give waitpid a moment to see it.
  for (int i = 0; i < 100; ++i) {
    const std::string why = server_->exit_reason();
    if (!why.empty()) return "; redis-server (pid " + std::to_string(server_->pid()) + ") " + why;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return "; redis-server (pid " + std::to_string(server_->pid()) + ") is still running";
}

Status RedisEngine::ensure_connected(Client& c) const {
  if (c.conn && !c.conn->broken()) return Status::Ok();
  if (c.conn) {
    total_pending_.fetch_sub(c.pending);
    c.pending = 0;
    c.conn.reset();
  }
  if (opt_.managed && !server_) return Status::Unavailable("redis: no server" + server_note());
  StatusOr<std::unique_ptr<Connection>> conn = Connection::open(host_, port_, opt_.timeout_ms, opt_.timeout_ms);
  if (!conn.ok()) return Status::Unavailable(conn.status().message() + server_note());
  c.conn = std::move(*conn);
  return Status::Ok();
}

Status RedisEngine::io_failure(Client& c, std::string_view what) const {
  std::string msg = "redis: " + std::string(what) + ": connection to " + address() + " lost (" +
                    (c.conn ? c.conn->io_error() : std::string("not connected")) + ")";
  if (c.pending > 0) msg += "; " + std::to_string(c.pending) + " pipelined SETs unacknowledged";
  total_pending_.fetch_sub(c.pending);
  c.pending = 0;
  c.conn.reset();
  return Status::Unavailable(msg + server_note());
}

Status RedisEngine::drain(Client& c) const {
  Status first;
  while (c.pending > 0) {
    Reply r = c.conn ? c.conn->read_reply() : nullptr;
    if (!r) return io_failure(c, "reading pipelined SET replies");
    --c.pending;
    total_pending_.fetch_sub(1);
    if (r->type == REDIS_REPLY_ERROR && first.ok())
      first = Status::IoError("redis: pipelined SET: " + describe_reply(r.get()));
  }
  return first;
}

Status RedisEngine::flush_all() const {
  if (total_pending_.load() == 0) return Status::Ok();
  std::vector<Client*> all;
  {
    std::lock_guard<std::mutex> lk(clients_mu_);
    for (auto& [id, c] : clients_) all.push_back(c.get());
  }
  Status first;
  for (Client* c : all) {
    std::lock_guard<std::mutex> lk(c->mu);
    if (c->pending == 0) continue;
    const Status s = drain(*c);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

void RedisEngine::drop_all_connections() {
  std::lock_guard<std::mutex> lk(clients_mu_);
  for (auto& [id, c] : clients_) {
    std::lock_guard<std::mutex> ck(c->mu);
    total_pending_.fetch_sub(c->pending);
    c->pending = 0;
    c->conn.reset();
  }
  std::lock_guard<std::mutex> ck(control_.mu);
  control_.conn.reset();
}

// ---- point operations --------------------------------------------------------------------

Status RedisEngine::put(std::string_view key, std::string_view value) {
  Client& c = my_client();
  std::lock_guard<std::mutex> lk(c.mu);
  if (Status s = ensure_connected(c); !s.ok()) return s;
  if (!pipelining_.load(std::memory_order_relaxed)) {
    Reply r = c.conn->command({"SET", key, value});
    if (!r) return io_failure(c, "SET");
    if (r->type == REDIS_REPLY_ERROR) return Status::IoError("redis: SET: " + describe_reply(r.get()));
    return Status::Ok();
  }
  if (!c.conn->append({"SET", key, value})) return io_failure(c, "SET (append)");
  ++c.pending;
  total_pending_.fetch_add(1);
  if (c.pending >= opt_.pipeline_depth) return drain(c);
  return Status::Ok();
}

Status RedisEngine::get(std::string_view key, std::string* value) {
  if (Status s = flush_all(); !s.ok()) return s;
  Client& c = my_client();
  std::lock_guard<std::mutex> lk(c.mu);
  if (Status s = ensure_connected(c); !s.ok()) return s;
  Reply r = c.conn->command({"GET", key});
  if (!r) return io_failure(c, "GET");
  switch (r->type) {
    case REDIS_REPLY_NIL: return Status::NotFound();
    case REDIS_REPLY_STRING: value->assign(r->str, r->len); return Status::Ok();
    default: return Status::IoError("redis: GET: " + describe_reply(r.get()));
  }
}

Status RedisEngine::del(std::string_view key) {
  if (Status s = flush_all(); !s.ok()) return s;
  Client& c = my_client();
  std::lock_guard<std::mutex> lk(c.mu);
  if (Status s = ensure_connected(c); !s.ok()) return s;
  Reply r = c.conn->command({"DEL", key});
  if (!r) return io_failure(c, "DEL");
  if (r->type != REDIS_REPLY_INTEGER) return Status::IoError("redis: DEL: " + describe_reply(r.get()));
  return r->integer > 0 ? Status::Ok() : Status::NotFound();
}

// ---- control connection ------------------------------------------------------------------

Status RedisEngine::control(const std::vector<std::string_view>& args, Reply* out) const {
  if (Status s = ensure_connected(control_); !s.ok()) return s;
  Reply r = control_.conn->command(args);
  if (!r) return io_failure(control_, args.empty() ? "command" : args.front());
  if (r->type == REDIS_REPLY_ERROR) {
    return Status::IoError("redis: " + std::string(args.front()) + ": " + describe_reply(r.get()));
  }
  *out = std::move(r);
  return Status::Ok();
}

Status RedisEngine::info(const std::vector<std::string_view>& sections, InfoFields* out) const {
  std::vector<std::string_view> args = {"INFO"};
  args.insert(args.end(), sections.begin(), sections.end());
  Reply r;
  if (Status s = control(args, &r); !s.ok()) return s;
  if (r->type != REDIS_REPLY_STRING) return Status::IoError("redis: INFO: unexpected " + describe_reply(r.get()));
  StatusOr<InfoFields> parsed = InfoFields::parse(std::string_view(r->str, r->len));
  if (!parsed.ok()) return parsed.status();
  *out = std::move(*parsed);
  return Status::Ok();
}

Status RedisEngine::scan_digest(ScanResult* out) const {
  const auto t0 = Clock::now();
  ContentDigest d;
  std::unordered_set<std::string> seen;  // SCAN may return a key more than once
  std::string cursor = "0";
  std::vector<std::string> keys;
  std::vector<std::string_view> mget;
  int64_t vanished = 0;
  do {
    Reply r;
    if (Status s = control({"SCAN", cursor, "COUNT", "10000"}, &r); !s.ok()) return s;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
      return Status::IoError("redis: SCAN: unexpected " + describe_reply(r.get()));
    }
    cursor.assign(r->element[0]->str, r->element[0]->len);
    keys.clear();
    const redisReply* list = r->element[1];
    for (size_t i = 0; i < list->elements; ++i) {
      std::string k(list->element[i]->str, list->element[i]->len);
      if (seen.insert(k).second) keys.push_back(std::move(k));
    }
    if (keys.empty()) continue;
    mget.assign(1, "MGET");
    for (const auto& k : keys) mget.push_back(k);
    Reply m;
    if (Status s = control(mget, &m); !s.ok()) return s;
    if (m->type != REDIS_REPLY_ARRAY || m->elements != keys.size()) {
      return Status::IoError("redis: MGET: unexpected " + describe_reply(m.get()));
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const redisReply* v = m->element[i];
      if (v->type == REDIS_REPLY_STRING) {
        d.add(keys[i], std::string_view(v->str, v->len));
      } else {
        ++vanished;
      }
    }
  } while (cursor != "0");
  out->digest = d.hex();
  out->keys = static_cast<int64_t>(d.count);
  out->vanished = vanished;
  out->ms = ms_between(t0, Clock::now());
  return Status::Ok();
}

// ---- snapshot ----------------------------------------------------------------------------

Status RedisEngine::begin_snapshot() {
  if (snap_) return Status::FailedPrecondition("redis: a snapshot is already running");
  if (Status s = flush_all(); !s.ok()) return s;
  RunningSnapshot rs;
  {
    std::lock_guard<std::mutex> ck(clients_mu_);
    rs.client_connections = clients_.size();
  }
  std::lock_guard<std::mutex> lk(control_.mu);
  if (opt_.digest && opt_.digest_from == DigestFrom::kScan) {
    ScanResult sr;
    if (Status s = scan_digest(&sr); !s.ok()) return s;
    rs.digest = sr.digest;
    rs.scan = {{"digest_scan_ms", sr.ms}, {"digest_keys", sr.keys}, {"digest_vanished_keys", sr.vanished}};
  }
  Reply r;
  if (Status s = control({"DBSIZE"}, &r); !s.ok()) return s;
  if (r->type != REDIS_REPLY_INTEGER) return Status::IoError("redis: DBSIZE: unexpected " + describe_reply(r.get()));
  rs.keys = r->integer;
  InfoFields inf;
  if (Status s = info({"persistence"}, &inf); !s.ok()) return s;
  const StatusOr<int64_t> in_progress = inf.integer("rdb_bgsave_in_progress");
  if (!in_progress.ok()) return in_progress.status();
  if (*in_progress != 0) return Status::FailedPrecondition("redis: a BGSAVE is already in progress on " + address());
  const StatusOr<int64_t> saves_before = inf.integer("rdb_saves");
  if (!saves_before.ok()) return saves_before.status();
  rs.saves_before = *saves_before;
  if (Status s = control({"BGSAVE"}, &r); !s.ok()) return s;
  if (r->type != REDIS_REPLY_STATUS) return Status::IoError("redis: BGSAVE: unexpected " + describe_reply(r.get()));
  rs.started = Clock::now();
  rs.next_poll = rs.started + std::chrono::milliseconds(opt_.info_poll_ms);
  snap_ = std::move(rs);
  return Status::Ok();
}

std::string RedisEngine::rdb_path(nlohmann::json* extra) const {
  if (opt_.managed) return dir_ + "/dump.rdb";
  // Attach mode: ask the server where it writes (control_.mu held).
  Reply d, f;
  const Status s1 = control({"CONFIG", "GET", "dir"}, &d);
  const Status s2 = s1.ok() ? control({"CONFIG", "GET", "dbfilename"}, &f) : s1;
  if (!s2.ok() || d->type != REDIS_REPLY_ARRAY || d->elements != 2 || f->type != REDIS_REPLY_ARRAY ||
      f->elements != 2) {
    (*extra)["bytes_note"] =
        "CONFIG GET dir/dbfilename failed: " + (s2.ok() ? std::string("unexpected reply") : s2.message());
    return {};
  }
  return std::string(d->element[1]->str, d->element[1]->len) + "/" +
         std::string(f->element[1]->str, f->element[1]->len);
}

SnapshotReport RedisEngine::finish_snapshot(const InfoFields& inf) {
  SnapshotReport rep;
  const RunningSnapshot& rs = *snap_;
  rep.digest = rs.digest;
  rep.extra = nlohmann::json::object();
  if (rs.scan.is_object()) rep.extra.update(rs.scan);
  rep.extra["dbsize_at_begin"] = rs.keys;
  rep.extra["client_connections"] = rs.client_connections;
  rep.extra["digest_source"] =
      !opt_.digest                            ? "none (engine.digest=false)"
      : opt_.digest_from == DigestFrom::kScan ? "scan: SCAN+MGET of the keyspace just before BGSAVE"
      : opt_.digest_from == DigestFrom::kRdb  ? "rdb: the finished RDB file, parsed"
                                              : "recover: deferred to verify (the recovered RDB)";
  rep.extra["wall_ms_until_seen_done"] = ms_between(rs.started, Clock::now());
  rep.extra["wall_ms_note"] =
      "begin_snapshot's BGSAVE to the INFO poll that saw it done (includes the server's "
      "cron delay before it reaps the child, and engine.info_poll_ms)";
  {
    // The figures a finished BGSAVE must have: any of them missing or malformed fails the report.
    const StatusOr<std::string> status_or = inf.str("rdb_last_bgsave_status");
    const StatusOr<int64_t> saves_or = inf.integer("rdb_saves");
    const StatusOr<double> fork_us = inf.number("latest_fork_usec");
    const StatusOr<int64_t> cow = inf.integer("rdb_last_cow_size");
    const StatusOr<int64_t> sec_or = inf.integer("rdb_last_bgsave_time_sec");
    const StatusOr<int64_t> forks = inf.integer("total_forks");
    for (const Status* s : {&status_or.status(), &saves_or.status(), &fork_us.status(), &cow.status(), &sec_or.status(),
                            &forks.status()}) {
      if (!s->ok()) {
        rep.status = *s;
        return rep;
      }
    }
    const std::string& status = *status_or;
    const int64_t saves = *saves_or;
    const int64_t sec = *sec_or;
    rep.fork_us = *fork_us;
    rep.fork_us_source = "redis:latest_fork_usec";
    rep.cow_bytes = *cow;
    rep.extra["rdb_last_bgsave_time_sec"] = sec;
    rep.extra["rdb_saves"] = saves;
    rep.extra["total_forks"] = *forks;
    for (const char* k : {"current_cow_peak", "current_cow_size", "rdb_last_load_keys_loaded",
                          "rdb_last_load_keys_expired", "rdb_changes_since_last_save"}) {
      const StatusOr<std::optional<int64_t>> v = inf.integer_if_present(k);
      if (!v.ok()) {
        rep.status = v.status();
        return rep;
      }
      if (*v) rep.extra[k] = **v;
    }
    const StatusOr<std::optional<double>> perc = inf.number_if_present("current_fork_perc");
    if (!perc.ok()) {
      rep.status = perc.status();
      return rep;
    }
    if (*perc) rep.extra["current_fork_perc"] = **perc;
    if (sec >= 0) rep.child_duration_ms = static_cast<double>(sec) * 1000.0;
    rep.extra["child_duration_source"] = "rdb_last_bgsave_time_sec (whole seconds)";
    if (opt_.managed && server_) {
      if (auto t = last_bgsave_times(read_text(server_->log_path()))) {
        rep.child_duration_ms = t->child_ms;
        rep.child_pid = t->child_pid;
        rep.extra["child_duration_source"] =
            "redis.log timestamps (ms): 'Background saving started' to the child's "
            "'DB saved on disk'";
      }
    }
    rep.location = rdb_path(&rep.extra);
    if (const int64_t b = rep.location.empty() ? -1 : file_bytes(rep.location); b >= 0) rep.bytes = b;
    if (!rep.bytes && !opt_.managed && !rep.extra.contains("bytes_note")) {
      rep.extra["bytes_note"] = "the server's RDB " + rep.location + " is not readable from here";
    }
    if (saves <= rs.saves_before) {
      rep.status = Status::Internal("redis: BGSAVE finished but rdb_saves did not advance (" +
                                    std::to_string(rs.saves_before) + " -> " + std::to_string(saves) + ")");
    } else if (status != "ok") {
      std::string msg = "redis: BGSAVE failed on the server (rdb_last_bgsave_status:" + status + ")";
      if (server_) msg += "; end of its log:\n" + server_->log_tail(8);
      rep.status = Status::IoError(msg);
    } else if (!rep.bytes && opt_.managed) {
      rep.status = Status::NotFound("redis: BGSAVE reported ok but " + rep.location + " does not exist");
    }
  }
  return rep;
}

// The digest of what the snapshot holds, read back from the RDB (the rdb library's loader reads
// redis-server 7.0 files; the pairs are digested as they are parsed, no store is built); the
// parse runs on the calling thread.
void RedisEngine::digest_rdb(SnapshotReport* rep) const {
  const auto t0 = Clock::now();
  ContentDigest d;
  rdb::RdbLoadHandler digest_pairs;
  digest_pairs.on_pair = [&](std::string_view k, std::string_view v) {
    d.add(k, v);
    return Status::Ok();
  };
  const rdb::RdbLoadResult lr = rdb::load_rdb_file(rep->location, digest_pairs);
  if (!lr.status.ok()) {
    rep->status = lr.status.with_context("redis: digesting the snapshot's RDB failed: ");
    return;
  }
  rep->digest = d.hex();
  rep->extra["digest_rdb_ms"] = ms_between(t0, Clock::now());
  rep->extra["digest_keys"] = static_cast<int64_t>(d.count);
  rep->extra["digest_rdb_checksum_verified"] = lr.checksum_verified;
}

StatusOr<std::string> RedisEngine::recovered_snapshot_digest() {
  if (!opt_.digest || opt_.digest_from != DigestFrom::kRecover || recovered_from_.empty())
    return Status::NotFound(
        "redis: no recovered snapshot to digest (engine.digest_from is not recover, or nothing "
        "was recovered)");
  SnapshotReport rep;
  rep.location = recovered_from_;
  digest_rdb(&rep);
  if (!rep.ok()) return rep.status;
  return rep.digest;
}

std::optional<SnapshotReport> RedisEngine::poll_snapshot() {
  if (!snap_) return std::nullopt;
  const auto now = Clock::now();
  if (now < snap_->next_poll) return std::nullopt;
  std::lock_guard<std::mutex> lk(control_.mu);
  InfoFields inf;
  const Status s = info({"persistence", "stats"}, &inf);
  SnapshotReport rep;
  if (!s.ok()) {
    rep.status = s;
    rep.digest = snap_->digest;
  } else {
    const StatusOr<int64_t> in_progress = inf.integer("rdb_bgsave_in_progress");
    if (!in_progress.ok()) {
      rep.status = in_progress.status();
      rep.digest = snap_->digest;
    } else if (*in_progress != 0) {
      snap_->next_poll = now + std::chrono::milliseconds(opt_.info_poll_ms);
      return std::nullopt;
    } else {
      rep = finish_snapshot(inf);
      if (rep.ok() && opt_.digest && opt_.digest_from == DigestFrom::kRdb) digest_rdb(&rep);
    }
  }
  snap_.reset();
  (rep.ok() ? snapshots_ok_ : snapshots_failed_)++;
  return rep;
}

// ---- recovery and digest -----------------------------------------------------------------

RecoveryReport RedisEngine::recover() {
  RecoveryReport rep;
  if (!opt_.managed) {
    rep.status = Status::FailedPrecondition(
        "redis: recover restarts the server, so it needs engine.managed=true "
        "(attached to " +
        opt_.address + ")");
    return rep;
  }
  if (snap_) {
    rep.status = Status::FailedPrecondition("redis: cannot recover while a BGSAVE is running");
    return rep;
  }
  const std::string path = dir_ + "/dump.rdb";
  rep.source = path;
  const int64_t bytes = file_bytes(path);
  if (bytes < 0) {
    rep.status = errno_status("redis: no snapshot to recover from: " + path);
    return rep;
  }
  rep.bytes = bytes;
  // SETs still buffered postdate the snapshot and die with the server anyway: discard them.
  drop_all_connections();
  const auto t0 = Clock::now();
  const pid_t old_pid = server_ ? server_->pid() : -1;
  server_.reset();
  const double stop_ms = ms_between(t0, Clock::now());
  if (Status s = start_server(); !s.ok()) {
    rep.status = s.with_context("redis: restart on " + path + " failed: ");
    return rep;
  }
  ++recoveries_;
  recovered_from_ = path;
  rep.extra["shutdown_ms"] = stop_ms;
  rep.extra["restart_to_ping_ms"] = server_->ready_ms();
  rep.extra["restart_note"] = "fork+exec of redis-server to its first PONG after loading the RDB";
  rep.extra["old_pid"] = old_pid;
  rep.extra["new_pid"] = server_->pid();
  if (auto s = last_load_seconds(read_text(server_->log_path()))) rep.extra["server_load_s_from_log"] = *s;
  std::lock_guard<std::mutex> lk(control_.mu);
  InfoFields inf;
  if (Status s = info({"persistence"}, &inf); !s.ok()) {
    rep.status = s;
    return rep;
  }
  Reply r;
  if (Status s = control({"DBSIZE"}, &r); !s.ok()) {
    rep.status = s;
    return rep;
  }
  for (const char* k : {"rdb_last_load_keys_loaded", "rdb_last_load_keys_expired"}) {
    const StatusOr<int64_t> v = inf.integer(k);
    if (!v.ok()) {
      rep.status = v.status();
      return rep;
    }
    rep.extra[k] = *v;
  }
  rep.keys = r->integer;
  return rep;
}

StatusOr<std::string> RedisEngine::digest() {
  if (Status s = flush_all(); !s.ok()) return s;
  std::lock_guard<std::mutex> lk(control_.mu);
  ScanResult sr;
  if (Status s = scan_digest(&sr); !s.ok()) return s;
  return sr.digest;
}

nlohmann::json RedisEngine::report() const {
  nlohmann::json j;
  j["managed"] = opt_.managed;
  j["address"] = address();
  j["dir"] = opt_.managed ? nlohmann::json(dir_) : nlohmann::json(nullptr);
  j["pid"] = server_ ? nlohmann::json(server_->pid()) : nlohmann::json(nullptr);
  if (opt_.managed) {
    j["settings"] = settings_json(opt_);
  } else {
    j["settings"] = {{"pipeline_depth", opt_.pipeline_depth},
                     {"digest", opt_.digest},
                     {"digest_from", config::name_of(kDigestFromNames, opt_.digest_from)},
                     {"info_poll_ms", opt_.info_poll_ms},
                     {"timeout_ms", opt_.timeout_ms},
                     {"server_settings", "not applied: attach mode never reconfigures the server"}};
  }
  j["pipelining_note"] =
      "pipeline_depth applies to the puts of load phases (their latency is amortized over the pipeline); "
      "run phases send every command on its own";
  j["snapshots_ok"] = snapshots_ok_;
  j["snapshots_failed"] = snapshots_failed_;
  j["recoveries"] = recoveries_;
  const Status flushed = flush_all();
  if (!flushed.ok()) j["flush_error"] = flushed.message();
  std::lock_guard<std::mutex> lk(control_.mu);
  InfoFields inf;
  Reply r;
  Status s = info({"server", "memory"}, &inf);
  if (s.ok()) s = control({"DBSIZE"}, &r);
  if (!s.ok()) {
    j["error"] = s.message();
    return j;
  }
  for (const auto& [name, field] :
       {std::pair{"redis_version", "redis_version"}, std::pair{"mem_allocator", "mem_allocator"}}) {
    const StatusOr<std::string> v = inf.str(field);
    if (!v.ok()) {
      j["error"] = v.status().message();
      return j;
    }
    j[name] = *v;
  }
  for (const auto& [name, field] : {std::pair{"server_pid", "process_id"}, std::pair{"used_memory", "used_memory"},
                                    std::pair{"used_memory_rss", "used_memory_rss"}}) {
    const StatusOr<int64_t> v = inf.integer(field);
    if (!v.ok()) {
      j["error"] = v.status().message();
      return j;
    }
    j[name] = *v;
  }
  j["keys"] = r->integer;
  return j;
}

}  // namespace
}  // namespace redis

EngineEntry redis_engine_entry() {
  EngineEntry e;
  e.info = kRedisEngineInfo;
  e.options = redis::redis_option_table().fields();
  e.check = [](const nlohmann::json& resolved) -> std::optional<ConfigProblem> {
    const auto problem = redis::redis_options_problem(redis::redis_option_table().bind(resolved.at("engine")));
    if (!problem) return std::nullopt;
    return ConfigProblem{"engine." + problem->field, problem->message};
  };
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    auto engine = redis::RedisEngine::open(redis::redis_option_table().bind(args.options));
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Engine>(std::move(*engine));
  };
  return e;
}

}  // namespace rpbench

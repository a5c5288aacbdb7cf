// Cross-checks against the real thing (label "redis"): redis-check-rdb accepts a file this
// engine writes; redis-server 7.0 loads it with the same keys and values; a file redis-server
// writes (integer-encoded and LZF-compressed strings included) loads here with the same content.
// Each test skips, saying why, when redis-server or redis-check-rdb is not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engines/rdb_fork/rdb_fork_engine.h"
#include "engines/rdb/rdb_kvstore.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb_fork {
namespace {

using rpbench::testing::contents;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;

std::optional<std::string> find_program(const std::string& name) {
  std::string path = getenv("PATH") != nullptr ? getenv("PATH") : "";
  path += ":/usr/bin:/usr/sbin:/usr/local/bin";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = path.find(':', start);
    const std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty()) {
      const std::string p = dir + "/" + name;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// Runs a program to completion with stdout+stderr into `log`; returns its exit status (-1 when
// it did not exit normally).
int run_program(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

// A redis-server of its own on 127.0.0.1 and a free port, in `dir`, loading `dir/dbfilename` if
// present; killed (SIGKILL) and reaped when destroyed.
class RedisServer {
 public:
  RedisServer(const std::string& program, const std::string& dir, const std::string& dbfilename,
              const std::vector<std::string>& extra = {})
      : port_(free_port()) {
    std::vector<std::string> argv = {program, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--dir", dir, "--dbfilename", dbfilename, "--save", "",
                                     "--appendonly", "no", "--daemonize", "no", "--logfile", dir + "/redis.log"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~RedisServer() {
    conn_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Connects and waits until the server answers PING (not LOADING); nullptr after 15 s.
  redisContext* ready() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!conn_) {
        timeval tv{1, 0};
        conn_.reset(redisConnectWithTimeout("127.0.0.1", port_, tv));
        if (conn_ && conn_->err) conn_.reset();
      }
      if (conn_) {
        Reply r(static_cast<redisReply*>(redisCommand(conn_.get(), "PING")));
        if (r && r->type == REDIS_REPLY_STATUS) return conn_.get();
        if (!r) conn_.reset();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return nullptr;
  }

 private:
  int port_;
  pid_t pid_ = -1;
  Context conn_;
};

Reply command(redisContext* c, const char* fmt, const std::string& a) {
  return Reply(static_cast<redisReply*>(redisCommand(c, fmt, a.data(), a.size())));
}

// A store with the shapes that matter: many keys, binary and empty values, integer-looking
// values, values longer than the write buffer.
void fill(RdbForkEngine& e) {
  for (int i = 0; i < 3000; ++i) e.put(test_key(i), test_value(i, 0, static_cast<size_t>(i % 400)));
  e.put("int", "12345");
  e.put("neg", "-7");
  e.put("empty", "");
  e.put(std::string("bin\0key", 7), std::string("\0\1\2\xff", 4));
  e.put("long", test_value(9, 9, 200000));
}

TEST(RedisCrossCheck, RedisCheckRdbAcceptsOurFile) {
  const auto check = find_program("redis-check-rdb");
  if (!check) GTEST_SKIP() << "redis-check-rdb not found on PATH (Debian package redis-tools)";
  TempDir dir;
  RdbForkOptions o;
  o.dir = dir.path();
  o.buffer_bytes = 4096;
  auto opened = RdbForkEngine::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  RdbForkEngine& e = **opened;
  fill(e);
  ASSERT_TRUE(e.begin_snapshot().ok());
  std::optional<SnapshotReport> r;
  while (!(r = e.poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r->ok()) << r->status.message();
  const std::string log = dir.file("check.log");
  const int status = run_program({*check, e.rdb_path()}, log);
  const std::string out = rpbench::testing::read_file(log);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("RDB looks OK")) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("keys read")) << out;
}

TEST(RedisCrossCheck, RedisServerLoadsOurFileWithTheSameContent) {
  const auto server = find_program("redis-server");
  if (!server) GTEST_SKIP() << "redis-server not found on PATH (Debian package redis-server)";
  TempDir dir;
  RdbForkOptions o;
  o.dir = dir.path();
  auto opened = RdbForkEngine::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  RdbForkEngine& e = **opened;
  fill(e);
  ASSERT_TRUE(e.begin_snapshot().ok());
  std::optional<SnapshotReport> r;
  while (!(r = e.poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r->ok()) << r->status.message();
  // The server gets its own directory with a copy of the file.
  TempDir sdir;
  std::filesystem::copy_file(e.rdb_path(), sdir.file("dump.rdb"));
  RedisServer rs(*server, sdir.path(), "dump.rdb");
  redisContext* c = rs.ready();
  ASSERT_NE(c, nullptr) << "redis-server did not come up; log:\n" << rpbench::testing::read_file(sdir.file("redis.log"));
  Reply n(static_cast<redisReply*>(redisCommand(c, "DBSIZE")));
  ASSERT_TRUE(n && n->type == REDIS_REPLY_INTEGER);
  EXPECT_EQ(n->integer, e.size());
  const auto want = contents(e.store());
  int sampled = 0;
  int i = 0;
  for (const auto& [k, v] : want) {
    if (i++ % 7 != 0 && k.rfind("key:", 0) == 0) continue;  // every 7th numbered key, all special ones
    Reply g = command(c, "GET %b", k);
    ASSERT_TRUE(g) << k;
    ASSERT_EQ(g->type, REDIS_REPLY_STRING) << "key " << k;
    EXPECT_EQ(std::string(g->str, g->len), v) << "key " << k;
    ++sampled;
  }
  EXPECT_GT(sampled, 400);
}

TEST(RedisCrossCheck, FileWrittenByRedisServerLoadsHere) {
  const auto server = find_program("redis-server");
  if (!server) GTEST_SKIP() << "redis-server not found on PATH (Debian package redis-server)";
  TempDir sdir;
  RedisServer rs(*server, sdir.path(), "dump.rdb", {"--rdbcompression", "yes"});
  redisContext* c = rs.ready();
  ASSERT_NE(c, nullptr) << "redis-server did not come up; log:\n" << rpbench::testing::read_file(sdir.file("redis.log"));
  std::map<std::string, std::string> want = {
      {"int8", "-7"},           {"int16", "12345"},       {"int32", "100000"},
      {"int32min", "-2147483648"}, {"toolong", "12345678901"}, {"leading0", "007"},
      {"empty", ""},            {std::string("b\0in", 4), std::string("\0\xff", 2)},
      {"compressible", std::string(3000, 'a') + "tail" + std::string(500, 'b')},
      {"random", test_value(1, 1, 700)},
      {"12345", "integer-looking key"},
  };
  for (int i = 0; i < 2000; ++i) want[test_key(i)] = "value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x');
  for (const auto& [k, v] : want) {
    Reply r(static_cast<redisReply*>(redisCommand(c, "SET %b %b", k.data(), k.size(), v.data(), v.size())));
    ASSERT_TRUE(r && r->type == REDIS_REPLY_STATUS) << k;
  }
  // A key with a time to live: loaded, its expire time ignored (and counted).
  Reply px(static_cast<redisReply*>(redisCommand(c, "SET ttl v PX 100000000")));
  ASSERT_TRUE(px && px->type == REDIS_REPLY_STATUS);
  want["ttl"] = "v";
  Reply save(static_cast<redisReply*>(redisCommand(c, "SAVE")));
  ASSERT_TRUE(save && save->type == REDIS_REPLY_STATUS) << (save && save->str ? save->str : "no reply");

  kvstore::KvStore s;
  const rdb::RdbLoadResult r = rdb::load_rdb_file(sdir.file("dump.rdb"), &s);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.version, 10);
  EXPECT_TRUE(r.checksum_verified);
  EXPECT_THAT(r.redis_ver, ::testing::StartsWith("7.0"));
  EXPECT_EQ(r.expires_ignored, 1);
  EXPECT_EQ(r.keys, static_cast<int64_t>(want.size()));
  EXPECT_EQ(contents(s), want);
  // The file really used LZF: the long run of 'a' is not in it verbatim.
  EXPECT_EQ(rpbench::testing::read_file(sdir.file("dump.rdb")).find(std::string(3000, 'a')), std::string::npos);
}

}  // namespace
}  // namespace rpbench::rdb_fork

// The real Redis programs as the engine tests use them: finding redis-server / redis-check-rdb,
// running a program to completion, and a redis-server of its own on a free loopback port.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rpbench::testing {

inline std::optional<std::string> find_program(const std::string& name) {
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

inline int free_port() {
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
inline int run_program(const std::vector<std::string>& argv, const std::string& log) {
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
    std::vector<std::string> argv = {program,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir,
                                     "--dbfilename",
                                     dbfilename,
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--daemonize",
                                     "no",
                                     "--logfile",
                                     dir + "/redis.log"};
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

inline Reply command(redisContext* c, const char* fmt, const std::string& a) {
  return Reply(static_cast<redisReply*>(redisCommand(c, fmt, a.data(), a.size())));
}

}  // namespace rpbench::testing

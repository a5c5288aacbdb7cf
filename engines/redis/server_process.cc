#include "engines/redis/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "base/child_process.h"
#include "base/errno_text.h"
#include "base/unique_fd.h"
#include "engines/redis/connection.h"

extern char** environ;

namespace rpbench::redis {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string read_from(const std::string& path, int64_t offset) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  f.seekg(offset);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

StatusOr<int> pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_status("redis: socket() for a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const int e = errno;
    ::close(fd);
    return errno_status("redis: cannot find a free port on 127.0.0.1", e);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::start(const ServerSpec& spec) {
  std::unique_ptr<ServerProcess> p(new ServerProcess(spec));
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    const StatusOr<int> port = pick_free_port();
    if (!port.ok()) return port.status();
    const int64_t log_offset = file_size(p->log_path_);
    const auto t0 = Clock::now();
    if (Status s = p->spawn(*port); !s.ok()) return s;
    p->port_ = *port;
    const std::string why = p->wait_ready();
    if (why.empty()) {
      p->ready_ms_ = ms_since(t0);
      return p;
    }
    const bool port_taken = read_from(p->log_path_, log_offset).find("Address already in use") != std::string::npos;
    p->kill_and_reap();
    if (port_taken && attempt < kAttempts) continue;
    return Status::Unavailable("redis-server " + spec.server_path + " (port " + std::to_string(*port) +
                               ") did not start: " + why + "; last lines of " + p->log_path_ + ":\n" + p->log_tail(15));
  }
}

ServerProcess::ServerProcess(const ServerSpec& spec) : spec_(spec), log_path_(spec.dir + "/redis.log") {}

Status ServerProcess::spawn(int port) {
  SpawnOptions o;
  o.path = spec_.server_path;
  o.args = {spec_.server_path,
            "--port",
            std::to_string(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            spec_.dir,
            "--dbfilename",
            "dump.rdb",
            "--logfile",
            log_path_};
  o.args.insert(o.args.end(), spec_.settings.begin(), spec_.settings.end());
  // rpbench may preload an allocator into itself; the server runs with its own.
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0) o.env.emplace_back(*e);
  UniqueFd log(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log) return errno_status("redis: cannot open the server log " + log_path_);
  o.stdout_fd = log.get();
  o.stderr_fd = log.get();
  o.death_signal = SIGKILL;
  StatusOr<ChildProcess> c = ChildProcess::spawn(o);
  if (!c.ok()) return c.status().with_context("redis: starting redis-server: ");
  std::lock_guard<std::mutex> lk(mu_);
  child_ = std::move(*c);
  return Status::Ok();
}

std::string ServerProcess::wait_ready() {
  const auto start_deadline = Clock::now() + std::chrono::milliseconds(spec_.start_timeout_ms);
  std::optional<Clock::time_point> load_deadline;
  while (true) {
    const std::string gone = exit_reason();
    if (!gone.empty()) return "it " + gone + " before answering PING";
    if (auto conn = Connection::open("127.0.0.1", port_, 200, 2000); conn.ok()) {
      Connection& c = **conn;
      while (true) {
        Reply r = c.command({"PING"});
        if (!r) break;  // connection dropped: reconnect
        if (r->type == REDIS_REPLY_STATUS && std::string_view(r->str, r->len) == "PONG") return {};
        const std::string text = describe_reply(r.get());
        if (r->type != REDIS_REPLY_ERROR || text.rfind("LOADING", 0) != 0) return "unexpected reply to PING: " + text;
        if (!load_deadline) load_deadline = Clock::now() + std::chrono::seconds(spec_.load_timeout_s);
        if (Clock::now() > *load_deadline) {
          return "still loading its RDB after " + std::to_string(spec_.load_timeout_s) + " s (engine.load_timeout_s)";
        }
        const std::string g = exit_reason();
        if (!g.empty()) return "it " + g + " while loading";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }  // else: not accepting connections yet
    if (!load_deadline && Clock::now() > start_deadline) {
      return "no answer to PING within " + std::to_string(spec_.start_timeout_ms) + " ms (engine.start_timeout_ms)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string ServerProcess::exit_reason() {
  std::lock_guard<std::mutex> lk(mu_);
  if (child_.pid() <= 0) return "was never started";
  const std::optional<int> st = child_.try_wait();
  return st ? describe_wait_status(*st) : std::string();
}

void ServerProcess::kill_and_reap() {
  std::lock_guard<std::mutex> lk(mu_);
  child_.kill();
}

void ServerProcess::stop() {
  if (child_.pid() <= 0) return;
  auto wait_exit = [this](int ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (exit_reason().empty()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  };
  if (!exit_reason().empty()) return;
  if (auto c = Connection::open("127.0.0.1", port_, 500, 2000); c.ok()) {
    (*c)->command({"SHUTDOWN", "NOSAVE"});  // no reply: the server closes the connection as it exits
  }                                         // else not answering: fall through to signals
  if (wait_exit(5000)) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    child_.signal(SIGTERM);
  }
  if (wait_exit(2000)) return;
  kill_and_reap();
}

std::string ServerProcess::log_tail(int lines) const {
  const std::string all = read_from(log_path_, 0);
  size_t begin = all.size();
  if (begin > 0 && all[begin - 1] == '\n') --begin;
  for (int i = 0; i < lines && begin > 0; ++i) {
    const size_t nl = all.rfind('\n', begin - 1);
    begin = nl == std::string::npos ? 0 : nl;
  }
  if (begin < all.size() && all[begin] == '\n') ++begin;
  return all.substr(begin);
}

}  // namespace rpbench::redis

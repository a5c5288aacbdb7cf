// A private redis-server child process (RAII): started on 127.0.0.1 and a free port in a given
// directory, ready once it answers PING (after loading that directory's dump.rdb, if any), and
// always stopped and reaped by the destructor: SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL.
//
// The child gets PR_SET_PDEATHSIG=SIGKILL, so a SIGKILLed rpbench leaves no server behind (note:
// Linux ties that signal to the *thread* that forked, so start servers from a thread that lives
// as long as the engine: the driver's main thread). The child's signal mask is cleared (rpbench
// blocks SIGINT/SIGTERM in all its threads), its fds above 2 are closed, stdout/stderr go to the
// log, and LD_PRELOAD is removed from its environment (rpbench may preload an allocator).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/child_process.h"

namespace rpbench::redis {

struct ServerSpec {
  std::string server_path;
  std::string dir;                    // exists; the server's --dir (dump.rdb lives here)
  std::vector<std::string> settings;  // extra "--name value" pairs, flattened
  int start_timeout_ms = 10000;       // until it accepts connections
  int load_timeout_s = 600;           // until it stops answering -LOADING
};

class ServerProcess {
 public:
  // Starts the server and waits until it answers PONG. An error quoting the end of its log when
  // it exits or does not answer in time (the child is then killed and reaped).
  static StatusOr<std::unique_ptr<ServerProcess>> start(const ServerSpec& spec);
  ~ServerProcess() { stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL after grace periods; reaps. Idempotent.
  void stop();

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  const std::string& log_path() const { return log_path_; }
  // From fork to the first PONG (includes loading dump.rdb), in ms.
  double ready_ms() const { return ready_ms_; }
  // Non-blocking: "" while the server runs; otherwise how it ended ("exited with status N",
  // "killed by signal N"). Reaps it. Thread-safe.
  std::string exit_reason();
  // The last `lines` lines of the server log.
  std::string log_tail(int lines) const;

 private:
  explicit ServerProcess(const ServerSpec& spec);
  Status spawn(int port);
  // Returns "" when ready; otherwise why it is not (the child is gone or timed out).
  std::string wait_ready();
  void kill_and_reap();

  ServerSpec spec_;
  std::string log_path_;
  int port_ = 0;
  double ready_ms_ = -1;
  std::mutex mu_;  // guards the child's reaping state (exit_reason() may be called from any thread)
  ChildProcess child_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
StatusOr<int> pick_free_port();

}  // namespace rpbench::redis

// MemnodeProcess: the harness's own memory node (`memnode: auto`). Starts rpbench-memnode as a
// child (found next to the running binary, then on PATH), passes the token in its environment
// (never on the command line), waits for its one ready line, and stops it on destruction
// (SIGTERM, then SIGKILL after a grace period) so no node outlives an experiment. The child also
// gets PR_SET_PDEATHSIG (SIGTERM), so it stops with a crashed parent (strictly: when the thread
// that constructed the MemnodeProcess exits, so construct it on a thread that outlives its use).
// The node's stderr goes to a private memfd, not the terminal: its last line is what a failed
// start or stop reports. fork: a forked child's copy of a MemnodeProcess never stops the node
// (only the process that started it does).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/status_or.h"
#include "base/unique_fd.h"

namespace rpbench::transport {

struct MemnodeLaunch {
  std::string binary;  // empty: rpbench-memnode next to /proc/self/exe, then PATH
  std::string listen_address = "127.0.0.1";
  uint32_t regions = 1;
  uint64_t region_bytes = 1ull << 30;
  bool prefault = false;
  std::string token;                    // required
  bool shm = true;                      // also serve shm clients on a private unix socket
  bool verbs = false;                   // also listen with rdma_cm on listen_address
  int ready_timeout_ms = 0;             // 0: ready_timeout_ms_for(launch); pre-faulting gigabytes takes a while
  std::vector<std::string> extra_args;  // further rpbench-memnode flags (--handshake-timeout-ms ...)
};

// What the node's ready line said.
struct MemnodeEndpoints {
  std::string tcp;    // "127.0.0.1:PORT"
  std::string unix;   // "unix:/path/to/socket" or "" when not serving shm
  std::string verbs;  // "ADDR:PORT" or ""
};

// How long a node may take to print its ready line: 30 s, plus 4 s per GiB it must allocate
// before it is ready (all its regions when it pre-faults them or pins them for verbs): 0.27 GB/s,
// below the 0.33 GB/s first-touch rate of the development VM, so a slow machine is waited for.
int ready_timeout_ms_for(const MemnodeLaunch& launch);

class MemnodeProcess {
 public:
  // Starts the node and waits for its ready line. kInvalidArgument for a bad launch (token,
  // regions, sizes), kNotFound when there is no rpbench-memnode to run, kUnavailable with the
  // node's own last stderr line when it exits before it is ready, kTimeout when it stays silent
  // for ready_timeout_ms; a node that did not get ready is never left running.
  static StatusOr<std::unique_ptr<MemnodeProcess>> start(const MemnodeLaunch& launch);
  ~MemnodeProcess();
  MemnodeProcess(const MemnodeProcess&) = delete;
  MemnodeProcess& operator=(const MemnodeProcess&) = delete;

  pid_t pid() const { return child_.pid(); }
  const MemnodeEndpoints& endpoints() const { return endpoints_; }
  const std::string& ready_line() const { return ready_line_; }
  // SIGTERM and reap (SIGKILL after 5 s). Error when the node did not exit 0 (or had to be
  // killed), with its last stderr line. Idempotent: later calls return the first result.
  Status stop();

 private:
  MemnodeProcess() = default;
  // Reads the ready line from the node's stdout (`out_fd`) and takes the endpoints from it. On
  // failure the node is stopped and the error carries its last stderr line.
  Status await_ready(int out_fd, UniqueFd err_file, const std::string& binary, int ready_timeout_ms);

  ChildProcess child_;  // a forked child's copy never stops the node (only the starting process)
  MemnodeEndpoints endpoints_;
  std::string ready_line_;
  UniqueFd stderr_fd_;  // the node's stderr (a memfd): its last line explains a failed stop
  Status stop_status_;  // what stop() returned the first time
};

}  // namespace rpbench::transport

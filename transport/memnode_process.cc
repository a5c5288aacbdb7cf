#include "transport/memnode_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "base/child_process.h"
#include "base/errno_text.h"
#include "base/unique_fd.h"
#include "transport/protocol.h"

extern char** environ;

namespace rpbench::transport {

namespace {

constexpr const char* kBinaryName = "rpbench-memnode";

bool is_executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// rpbench-memnode next to the running binary, then on PATH.
StatusOr<std::string> find_binary() {
  std::vector<std::string> tried;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    std::string candidate = dir + kBinaryName;
    if (is_executable(candidate)) return candidate;
    tried.push_back(candidate);
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + kBinaryName;
      if (is_executable(candidate)) return candidate;
    }
    start = end + 1;
  }
  std::string msg = std::string("cannot find ") + kBinaryName + " (looked next to this program";
  if (!tried.empty()) msg += ", " + tried.front();
  msg += ", and on PATH); build it, or name it in MemnodeLaunch::binary";
  return Status::NotFound(msg);
}

// The last non-empty line of what the child wrote to its stderr (a memfd), for error messages.
std::string last_line(int fd) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return "";
  constexpr off_t kTail = 4096;
  off_t from = size > kTail ? size - kTail : 0;
  std::string text(static_cast<size_t>(size - from), '\0');
  ssize_t r = ::pread(fd, text.data(), text.size(), from);
  if (r <= 0) return "";
  text.resize(static_cast<size_t>(r));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

// The value of "key=" in the ready line, up to the next " " (the unix path: up to " verbs=",
// so a path with spaces survives).
StatusOr<std::string> field(const std::string& line, const std::string& key, const std::string& until = " ") {
  std::string needle = " " + key + "=";
  size_t at = line.find(needle);
  if (at == std::string::npos) return Status::Internal("rpbench-memnode's ready line has no " + key + "=: " + line);
  at += needle.size();
  size_t end = line.find(until, at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

StatusOr<std::unique_ptr<MemnodeProcess>> MemnodeProcess::start(const MemnodeLaunch& launch) {
  if (launch.token.empty() || launch.token.size() > protocol::kMaxTokenBytes)
    return Status::InvalidArgument("memory node token must be 1.." + std::to_string(protocol::kMaxTokenBytes) +
                                   " bytes, got " + std::to_string(launch.token.size()));
  if (launch.regions == 0) return Status::InvalidArgument("memory node: regions must be at least 1");
  if (launch.region_bytes == 0) return Status::InvalidArgument("memory node: region_bytes must be > 0");
  StatusOr<std::string> found = launch.binary.empty() ? find_binary() : StatusOr<std::string>(launch.binary);
  if (!found.ok()) return found.status();
  const std::string binary = *found;
  if (!is_executable(binary)) return Status::NotFound("memory node binary '" + binary + "' is not an executable file");

  SpawnOptions spawn;
  spawn.path = binary;
  spawn.args = {binary,
                "--listen",
                launch.listen_address,
                "--port",
                "0",
                "--unix",
                launch.shm ? "auto" : "none",
                "--regions",
                std::to_string(launch.regions),
                "--region-bytes",
                std::to_string(launch.region_bytes)};
  if (launch.prefault) spawn.args.push_back("--prefault");
  if (launch.verbs) spawn.args.push_back("--verbs");
  spawn.args.insert(spawn.args.end(), launch.extra_args.begin(), launch.extra_args.end());
  // The token travels in the environment only, never on the command line.
  const std::string token_prefix = std::string(protocol::kTokenEnv) + "=";
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::strncmp(*e, token_prefix.c_str(), token_prefix.size()) != 0) spawn.env.emplace_back(*e);
  spawn.env.push_back(token_prefix + launch.token);

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return errno_status("memory node: pipe");
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  // The child's stderr goes to a memfd: never blocks the node, and its last line explains a failure.
  UniqueFd err_file(::memfd_create("rpbench-memnode-stderr", MFD_CLOEXEC));
  if (!err_file) return errno_status("memory node: memfd_create for its stderr");
  spawn.stdout_fd = out_write.get();
  spawn.stderr_fd = err_file.get();
  // The node is stopped with the thread that started it (PR_SET_PDEATHSIG fires when the forking
  // thread exits): a crashed or killed harness leaves no node behind. SIGTERM, so the node still
  // removes its socket directory on the way out.
  spawn.death_signal = SIGTERM;
  StatusOr<ChildProcess> child = ChildProcess::spawn(spawn);
  if (!child.ok()) return child.status().with_context("memory node: ");
  std::unique_ptr<MemnodeProcess> node(new MemnodeProcess());
  node->child_ = std::move(*child);
  out_write.reset();  // the node holds the only write end: EOF when it exits
  // On failure await_ready() has stopped the node: whatever went wrong, none is left behind.
  const int timeout_ms = launch.ready_timeout_ms > 0 ? launch.ready_timeout_ms : ready_timeout_ms_for(launch);
  if (Status s = node->await_ready(out_read.get(), std::move(err_file), binary, timeout_ms); !s.ok()) return s;
  return node;
}

int ready_timeout_ms_for(const MemnodeLaunch& launch) {
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  constexpr uint64_t kBaseMs = 30000, kMsPerGiB = 4000, kMaxMs = 3600 * 1000;
  const bool allocates = launch.prefault || launch.verbs;
  const uint64_t gib = allocates ? (uint64_t{launch.regions} * launch.region_bytes + kGiB - 1) / kGiB : 0;
  return static_cast<int>(std::min<uint64_t>(kMaxMs, kBaseMs + gib * kMsPerGiB));
}

Status MemnodeProcess::await_ready(int out_fd, UniqueFd err_file, const std::string& binary, int ready_timeout_ms) {
  // The ready line, within the timeout.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ready_timeout_ms);
  std::string failure;
  Status::Code code = Status::Code::kUnavailable;  // of `failure`
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = "printed no ready line within " + std::to_string(ready_timeout_ms) + " ms";
      code = Status::Code::kTimeout;
      break;
    }
    pollfd p{out_fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) {
      failure = std::string("poll: ") + errno_text();
      break;
    }
    if (r <= 0) continue;
    char buf[512];
    ssize_t n = ::read(out_fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = "closed its stdout before the ready line";
      break;
    }
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) break;
    if (line.size() > 4096) {
      failure = "wrote an over-long line instead of the ready line";
      break;
    }
  }
  if (failure.empty()) {
    line.resize(line.find('\n'));
    if (line.rfind("rpbench-memnode ready ", 0) != 0) failure = "printed '" + line + "' instead of the ready line";
  }
  if (!failure.empty()) {
    const std::optional<int> exited = child_.wait_for(std::chrono::milliseconds(200));
    if (!exited) child_.kill();
    std::string msg = binary + " " + (exited ? describe_wait_status(*exited) + " before it was ready" : failure);
    if (exited && failure.find("stdout") == std::string::npos) msg += " (" + failure + ")";
    std::string err = last_line(err_file.get());
    if (!err.empty()) msg += ": " + err;
    return Status::FromCode(exited ? Status::Code::kUnavailable : code, msg);
  }
  ready_line_ = line;
  stderr_fd_ = std::move(err_file);
  StatusOr<std::string> tcp = field(line, "tcp");
  StatusOr<std::string> unix_path = field(line, "unix", " verbs=");
  StatusOr<std::string> verbs = field(line, "verbs");
  for (const Status& s : {tcp.status(), unix_path.status(), verbs.status()}) {
    if (!s.ok()) {
      (void)stop();
      return s;
    }
  }
  endpoints_.tcp = *tcp;
  endpoints_.unix = *unix_path == "-" ? "" : "unix:" + *unix_path;
  endpoints_.verbs = *verbs == "-" ? "" : *verbs;
  return Status::Ok();
}

MemnodeProcess::~MemnodeProcess() { stop(); }

Status MemnodeProcess::stop() {
  if (child_.pid() <= 0 || child_.wait_status()) return stop_status_;
  if (!child_.running())  // a forked child's copy: the node is its parent's to stop
    return Status::FailedPrecondition("rpbench-memnode (pid " + std::to_string(child_.pid()) +
                                      ") belongs to the process that started it, not to this forked child");
  const pid_t pid = child_.pid();
  bool killed = false;
  const int status = child_.terminate(SIGTERM, std::chrono::milliseconds(5000), &killed);
  if (killed) {
    stop_status_ = Status::Timeout("rpbench-memnode (pid " + std::to_string(pid) +
                                   ") did not stop within 5 s of SIGTERM and was killed");
  } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    std::string msg = "rpbench-memnode (pid " + std::to_string(pid) + ") " + describe_wait_status(status);
    std::string err = stderr_fd_ ? last_line(stderr_fd_.get()) : "";
    if (!err.empty()) msg += ": " + err;
    stop_status_ = Status::Unavailable(msg);
  } else {
    stop_status_ = Status::Ok();
  }
  stderr_fd_.reset();
  // A node that did not exit cleanly (killed) left its private socket directory behind.
  if (!stop_status_.ok() && !endpoints_.unix.empty()) {
    std::string path = endpoints_.unix.substr(5);
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
  }
  return stop_status_;
}

}  // namespace rpbench::transport

#include "transport/memnode_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/unique_fd.h"
#include "transport/protocol.h"

extern char** environ;

namespace rpbench::transport {

namespace {

constexpr const char* kBinaryName = "rpbench-memnode";

std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

bool is_executable(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// rpbench-memnode next to the running binary, then on PATH.
std::string find_binary() {
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
  throw std::runtime_error(msg);
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

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

// Waits for pid up to `timeout`; true (and *status) when it exited.
bool wait_for(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      *status = 0;
      return true;  // not our child any more (reaped elsewhere): nothing left to wait for
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The value of "key=" in the ready line, up to the next " " (the unix path: up to " verbs=",
// so a path with spaces survives).
std::string field(const std::string& line, const std::string& key, const std::string& until = " ") {
  std::string needle = " " + key + "=";
  size_t at = line.find(needle);
  if (at == std::string::npos) throw std::runtime_error("rpbench-memnode's ready line has no " + key + "=: " + line);
  at += needle.size();
  size_t end = line.find(until, at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

MemnodeProcess::MemnodeProcess(const MemnodeLaunch& launch) {
  if (launch.token.empty() || launch.token.size() > protocol::kMaxTokenBytes)
    throw std::invalid_argument("memory node token must be 1.." + std::to_string(protocol::kMaxTokenBytes) +
                                " bytes, got " + std::to_string(launch.token.size()));
  if (launch.regions == 0) throw std::invalid_argument("memory node: regions must be at least 1");
  if (launch.region_bytes == 0) throw std::invalid_argument("memory node: region_bytes must be > 0");
  const std::string binary = launch.binary.empty() ? find_binary() : launch.binary;
  if (!is_executable(binary)) throw std::runtime_error("memory node binary '" + binary + "' is not an executable file");

  // Everything the child needs is built before fork(): between fork and exec it only makes
  // async-signal-safe calls.
  std::vector<std::string> args = {binary,
                                   "--listen", launch.listen_address,
                                   "--port", "0",
                                   "--unix", launch.shm ? "auto" : "none",
                                   "--regions", std::to_string(launch.regions),
                                   "--region-bytes", std::to_string(launch.region_bytes)};
  if (launch.prefault) args.push_back("--prefault");
  if (launch.verbs) args.push_back("--verbs");
  args.insert(args.end(), launch.extra_args.begin(), launch.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const std::string token_prefix = std::string(protocol::kTokenEnv) + "=";
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::strncmp(*e, token_prefix.c_str(), token_prefix.size()) != 0) env_strings.emplace_back(*e);
  env_strings.push_back(token_prefix + launch.token);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw sys_error("memory node: pipe");
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  // The child's stderr goes to a memfd: never blocks the node, and its last line explains a failure.
  UniqueFd err_file(::memfd_create("rpbench-memnode-stderr", MFD_CLOEXEC));
  if (!err_file) throw sys_error("memory node: memfd_create for its stderr");

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw sys_error("memory node: fork");
  if (pid == 0) {
    // The node is stopped with the thread that started it (PR_SET_PDEATHSIG fires when the
    // forking thread exits): a crashed or killed harness leaves no node behind. SIGTERM, so the
    // node still removes its socket directory on the way out.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    // dup2 onto itself (this process started with fd 1 or 2 closed) keeps FD_CLOEXEC: clear it.
    auto onto = [](int from, int to) {
      return from == to ? ::fcntl(to, F_SETFD, 0) : ::dup2(from, to);
    };
    if (onto(out_write.get(), STDOUT_FILENO) < 0 || onto(err_file.get(), STDERR_FILENO) < 0) ::_exit(127);
    ::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);  // no other fd of ours leaks into the node
    ::signal(SIGTERM, SIG_DFL);  // whatever this process did with them, the node starts clean
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(binary.c_str(), argv.data(), envp.data());
    const char msg[] = "rpbench-memnode: exec failed\n";
    ssize_t w = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)w;
    ::_exit(127);
  }
  pid_ = pid;
  owner_ = parent;
  out_write.reset();  // the node holds the only write end: EOF when it exits
  try {
    await_ready(out_read.get(), std::move(err_file), binary, launch.ready_timeout_ms);
  } catch (...) {
    if (pid_ > 0) {  // whatever went wrong (out of memory, say), no node is left behind
      ::kill(pid_, SIGKILL);
      int status = 0;
      wait_for(pid_, std::chrono::milliseconds(5000), &status);
      pid_ = -1;
    }
    throw;
  }
}

void MemnodeProcess::await_ready(int out_fd, UniqueFd err_file, const std::string& binary, int ready_timeout_ms) {

  // The ready line, within the timeout.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ready_timeout_ms);
  std::string failure;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = "printed no ready line within " + std::to_string(ready_timeout_ms) + " ms";
      break;
    }
    pollfd p{out_fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) {
      failure = std::string("poll: ") + std::strerror(errno);
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
    int status = 0;
    bool exited = wait_for(pid_, std::chrono::milliseconds(200), &status);
    if (!exited) {
      ::kill(pid_, SIGKILL);
      wait_for(pid_, std::chrono::milliseconds(5000), &status);
    }
    pid_ = -1;
    std::string msg = binary + " " + (exited ? describe_exit(status) + " before it was ready" : failure);
    if (exited && failure.find("stdout") == std::string::npos) msg += " (" + failure + ")";
    std::string err = last_line(err_file.get());
    if (!err.empty()) msg += ": " + err;
    throw std::runtime_error(msg);
  }
  ready_line_ = line;
  stderr_fd_ = std::move(err_file);
  try {
    endpoints_.tcp = field(line, "tcp");
    std::string unix_path = field(line, "unix", " verbs=");
    endpoints_.unix = unix_path == "-" ? "" : "unix:" + unix_path;
    std::string verbs = field(line, "verbs");
    endpoints_.verbs = verbs == "-" ? "" : verbs;
  } catch (...) {
    stop();
    throw;
  }
}

MemnodeProcess::~MemnodeProcess() { stop(); }

Status MemnodeProcess::stop() {
  if (pid_ < 0) return stop_status_;
  if (::getpid() != owner_)  // a forked child's copy: the node is its parent's to stop
    return Status::Error("rpbench-memnode (pid " + std::to_string(pid_) +
                         ") belongs to the process that started it, not to this forked child");
  const pid_t pid = pid_;
  pid_ = -1;
  int status = 0;
  ::kill(pid, SIGTERM);
  if (!wait_for(pid, std::chrono::milliseconds(5000), &status)) {
    ::kill(pid, SIGKILL);
    wait_for(pid, std::chrono::milliseconds(5000), &status);
    stop_status_ = Status::Error("rpbench-memnode (pid " + std::to_string(pid) +
                                 ") did not stop within 5 s of SIGTERM and was killed");
  } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    std::string msg = "rpbench-memnode (pid " + std::to_string(pid) + ") " + describe_exit(status);
    std::string err = stderr_fd_ ? last_line(stderr_fd_.get()) : "";
    if (!err.empty()) msg += ": " + err;
    stop_status_ = Status::Error(msg);
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

std::string random_token() {
  uint8_t bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t r = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sys_error("getrandom");
    }
    got += static_cast<size_t>(r);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace rpbench::transport

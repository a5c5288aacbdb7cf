// The base layer: Status codes, StatusOr, sizes, the memory node token, the child-process owner,
// private directories.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/child_process.h"
#include "base/errno_text.h"
#include "base/host_port.h"
#include "base/meminfo.h"
#include "base/private_dir.h"
#include "base/sizes.h"
#include "base/status_or.h"
#include "base/token.h"
#include "base/unique_fd.h"

namespace rpbench {
namespace {

using namespace std::chrono_literals;

TEST(Status, CodesNamesAndContext) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().to_string(), "ok");
  const Status t = Status::Timeout("read of 4096 bytes");
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.code(), Status::Code::kTimeout);
  EXPECT_EQ(t.to_string(), "timeout: read of 4096 bytes");
  EXPECT_TRUE(Status::NotFound().not_found());
  const Status c = Status::Corruption("bad crc").with_context("slot A: ");
  EXPECT_EQ(c.code(), Status::Code::kCorruption);
  EXPECT_EQ(c.message(), "slot A: bad crc");
  EXPECT_TRUE(Status::Ok().with_context("x").ok());
  EXPECT_EQ(errno_status("connect", ECONNREFUSED).code(), Status::Code::kUnavailable);
  EXPECT_EQ(errno_status("open", ENOENT).code(), Status::Code::kNotFound);
  EXPECT_EQ(errno_status("mmap", ENOMEM).code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(errno_status("read", EIO).code(), Status::Code::kIoError);
  EXPECT_NE(errno_status("read", EIO).message().find("read: "), std::string::npos);
}

TEST(MemInfo, AvailableIsPositiveAndAtMostTotal) {
  const auto avail = mem_available_bytes();
  const auto total = mem_total_bytes();
  ASSERT_TRUE(avail && total);
  EXPECT_GT(*avail, 0);
  EXPECT_LE(*avail, *total);
}

TEST(StatusOr, ValueOrError) {
  StatusOr<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  StatusOr<int> e = Status::InvalidArgument("no");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "no");
  StatusOr<int> weird = Status::Ok();  // an ok status without a value is a bug, reported as one
  EXPECT_FALSE(weird.ok());
  EXPECT_EQ(weird.status().code(), Status::Code::kInternal);
}

TEST(Sizes, ParseAndFormat) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("64M"), 64ull << 20);
  EXPECT_EQ(*parse_size("1g"), 1ull << 30);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  for (const char* bad : {"", "0", "M", "-1", "1.5G", "12X", "1MB", "99999999999999999999", "16777216T"}) {
    const auto r = parse_size(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
    }
  }
  EXPECT_EQ(*parse_count("12"), 12u);
  EXPECT_EQ(*parse_count("0", 0), 0u);
  for (const char* bad : {"", "0", "-1", "-5", "1e6", "12k", "+3", "99999999999999999999"})
    EXPECT_FALSE(parse_count(bad).ok()) << bad;
  EXPECT_EQ(format_size(256ull << 20), "256M");
  EXPECT_EQ(format_size(1536), "1.5K");
  EXPECT_EQ(format_size_exact(1ull << 20), "1 MiB");
  EXPECT_EQ(format_size_exact(192ull << 10), "192 KiB");
  EXPECT_EQ(format_size_exact(1000), "1000 bytes");
  EXPECT_EQ(format_size_exact(0), "0 bytes");
}

TEST(HostPort, AcceptsNamesAddressesAndBracketedV6) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Case& c : {Case{"127.0.0.1:6379", "127.0.0.1", 6379}, Case{"localhost:1", "localhost", 1},
                        Case{"[::1]:65535", "::1", 65535}, Case{"[fe80::1%eth0]:80", "fe80::1%eth0", 80}}) {
    const StatusOr<HostPort> hp = parse_host_port(c.text);
    ASSERT_TRUE(hp.ok()) << c.text << ": " << hp.status().message();
    EXPECT_EQ(hp->host, c.host);
    EXPECT_EQ(hp->port, c.port);
  }
}

TEST(HostPort, RefusesEveryMalformedEndpointNamingIt) {
  for (const char* text : {"", ":", "host", "host:", ":80", "host:0", "host:65536", "host:-1", "host:+80", "host:8o",
                           "host:99999999999999999999", "::1:80", "[::1]", "[::1]80", "[]:80", "[::1:80", "h:80 "}) {
    const StatusOr<HostPort> hp = parse_host_port(text);
    ASSERT_FALSE(hp.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(hp.status().code(), Status::Code::kInvalidArgument) << text;
    EXPECT_NE(hp.status().message().find(std::string("'") + text + "'"), std::string::npos) << hp.status().message();
  }
}

TEST(Token, ConfiguredThenEnvironment) {
  ::unsetenv(kTokenEnv);
  EXPECT_EQ(token_or_env(""), "");
  EXPECT_FALSE(resolve_token("").ok());
  EXPECT_EQ(*resolve_token("abc"), "abc");
  ::setenv(kTokenEnv, "from-env", 1);
  EXPECT_EQ(*resolve_token(""), "from-env");
  EXPECT_EQ(*resolve_token("abc"), "abc");
  EXPECT_FALSE(resolve_token(std::string(kMaxTokenBytes + 1, 't')).ok());
  ::unsetenv(kTokenEnv);
}

TEST(Token, RandomTokensAreFreshHex) {
  StatusOr<std::string> a = random_token(), b = random_token();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_LE(a->size(), kMaxTokenBytes);
}

TEST(ChildProcess, ForkWaitsAndReportsTheExitStatus) {
  StatusOr<ChildProcess> c = ChildProcess::fork([] { return 3; });
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_GT(c->fork_us(), 0);
  const int st = c->wait();
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 3);
  EXPECT_FALSE(c->running());
  EXPECT_EQ(describe_wait_status(st), "exited with status 3");
  EXPECT_EQ(c->wait(), st);  // reaped once; later calls repeat the status
}

TEST(ChildProcess, TryWaitDoesNotBlockAndTerminateEscalates) {
  // A child that ignores SIGTERM is killed after the grace period.
  StatusOr<ChildProcess> c = ChildProcess::fork([] {
    ::signal(SIGTERM, SIG_IGN);
    ::pause();
    return 0;
  });
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->try_wait().has_value());
  EXPECT_FALSE(c->wait_for(20ms).has_value());
  bool killed = false;
  const int st = c->terminate(SIGTERM, 100ms, &killed);
  EXPECT_TRUE(killed);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
  EXPECT_NE(describe_wait_status(st).find("SIGKILL"), std::string::npos);
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid = -1;
  {
    StatusOr<ChildProcess> c = ChildProcess::fork([] {
      ::pause();
      return 0;
    });
    ASSERT_TRUE(c.ok());
    pid = c->pid();
    EXPECT_TRUE(c->running());
  }
  // Reaped: no such child any more.
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, SpawnRunsAProgramWithItsEnvironmentAndOutput) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd rd(fds[0]), wr(fds[1]);
  SpawnOptions o;
  o.path = "/bin/sh";
  o.args = {"/bin/sh", "-c", "printf '%s' \"$RPBENCH_TEST_VAR\"; exit 5"};
  o.env = {"RPBENCH_TEST_VAR=hello"};
  o.stdout_fd = wr.get();
  StatusOr<ChildProcess> c = ChildProcess::spawn(o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  wr.reset();
  char buf[64];
  ssize_t n = ::read(rd.get(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "hello");
  const int st = c->wait();
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 5);
}

TEST(ChildProcess, ExecFailureIsExitStatus127) {
  SpawnOptions o;
  o.path = "/nonexistent/program";
  o.stderr_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  UniqueFd devnull(o.stderr_fd);
  StatusOr<ChildProcess> c = ChildProcess::spawn(o);
  ASSERT_TRUE(c.ok());
  const int st = c->wait();
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 127);
}

TEST(ChildProcess, AForkedCopyNeverSignalsTheChild) {
  StatusOr<ChildProcess> c = ChildProcess::fork([] {
    ::pause();
    return 0;
  });
  ASSERT_TRUE(c.ok());
  // In a grandchild (a forked copy of the owner) the child is not ours: kill() must not signal it.
  StatusOr<ChildProcess> copy = ChildProcess::fork([&] {
    c->kill();
    return c->running() ? 1 : 0;
  });
  ASSERT_TRUE(copy.ok());
  const int st = copy->wait();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_TRUE(c->running());
  EXPECT_FALSE(c->try_wait().has_value());
  c->kill();
}

class TempParent {
 public:
  TempParent() {
    std::string t = (std::filesystem::temp_directory_path() / "rpbench-base-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempParent() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PrivateDir, CreatedWithAnOwnerAndRemovedUnlessKept) {
  TempParent parent;
  std::string a, b;
  {
    StatusOr<PrivateDir> d = PrivateDir::create(parent.path() + "/sub", "engine");
    ASSERT_TRUE(d.ok()) << d.status().message();
    a = d->path();
    EXPECT_TRUE(std::filesystem::is_directory(a));
    std::ifstream owner(a + "/.owner");
    std::string stamp;
    ASSERT_TRUE(std::getline(owner, stamp));
    EXPECT_EQ(stamp, owner_stamp());
    EXPECT_TRUE(owner_alive(stamp));
  }
  EXPECT_FALSE(std::filesystem::exists(a));
  {
    StatusOr<PrivateDir> d = PrivateDir::create(parent.path(), "engine");
    ASSERT_TRUE(d.ok());
    d->keep();
    b = d->path();
  }
  EXPECT_TRUE(std::filesystem::exists(b));
  EXPECT_FALSE(PrivateDir::create("", "engine").ok());
  const auto bad = PrivateDir::create("/proc/self/no-such/dir", "engine", "engine.dir");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("engine.dir"), std::string::npos);
}

TEST(PrivateDir, DirectoriesOfDeadOwnersAreRemovedAtTheNextStart) {
  TempParent parent;
  // A directory left by a process that died: its owner stamp names a pid that is not running
  // with that start time. One without an owner file, and one of a live owner, are kept.
  const std::string dead = parent.path() + "/engine-dead01";
  const std::string unowned = parent.path() + "/engine-nofile";
  const std::string other_prefix = parent.path() + "/other-dead01";
  for (const auto& d : {dead, unowned, other_prefix}) std::filesystem::create_directories(d);
  StatusOr<ChildProcess> gone = ChildProcess::fork([] { return 0; });
  ASSERT_TRUE(gone.ok());
  const std::string stale_stamp = std::to_string(gone->pid()) + " 1";  // start time 1: not that process
  gone->wait();
  std::ofstream(dead + "/.owner") << stale_stamp << "\n";
  std::ofstream(other_prefix + "/.owner") << stale_stamp << "\n";
  StatusOr<PrivateDir> live = PrivateDir::create(parent.path(), "engine");
  ASSERT_TRUE(live.ok());
  StatusOr<PrivateDir> d = PrivateDir::create(parent.path(), "engine");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(unowned));
  EXPECT_TRUE(std::filesystem::exists(other_prefix));
  EXPECT_TRUE(std::filesystem::exists(live->path()));
  EXPECT_TRUE(live->removed_stale().size() == 1 && live->removed_stale()[0] == dead);
}

}  // namespace
}  // namespace rpbench

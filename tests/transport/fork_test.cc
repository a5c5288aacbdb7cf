// What a forked child may do with a transport (transport.h, "fork"), for every transport of the
// suite (transport_suite.h):
//  (a) the child opens its own new connection, writes, exits; the parent reads it back with the
//      connection it opened before the fork. The child's connection set-up time is printed.
//  (b) the parent registers a MAP_SHARED | MAP_ANONYMOUS buffer, forks; the child fills it and says
//      so over a pipe; the parent posts the write and verifies by reading back.
// In both, the parent's transport must still work after the child exited (children use _exit, and
// a child that even calls close() on the parent's transport only forgets its copy of it).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "base/unique_fd.h"
#include "tests/transport/transport_suite.h"

namespace rpbench::transport::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kNodeRegion = 16ull << 20;
constexpr uint64_t kBytes = 3ull << 20;

// Exit codes of the children.
enum ChildExit {
  kChildOk = 0,
  kChildConnectFailed = 10,
  kChildTransferFailed = 11,
  kChildPipeFailed = 12,
  kChildCloseDidNotRefuse = 13
};

struct Pipe {
  UniqueFd r, w;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
};

bool read_full(int fd, void* p, size_t n) {
  auto* b = static_cast<uint8_t*>(p);
  while (n > 0) {
    ssize_t k = ::read(fd, b, n);
    if (k <= 0) return false;
    b += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

int wait_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The parent's transport still moves bytes correctly.
void expect_parent_transport_works(Transport& t, uint32_t seed) {
  TestBuffer src(1 << 20), dst(1 << 20);
  fill_pattern(src.data(), src.size(), seed);
  BufferId s = 0, d = 0;
  ASSERT_TRUE(t.register_buffer(src.data(), src.size(), &s).ok());
  ASSERT_TRUE(t.register_buffer(dst.data(), dst.size(), &d).ok());
  Status w = transfer(t, Op::kWrite, s, 0, src.size(), kNodeRegion - src.size());
  ASSERT_TRUE(w.ok()) << w.message();
  Status r = transfer(t, Op::kRead, d, 0, dst.size(), kNodeRegion - dst.size());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(dst.data(), dst.size(), seed), dst.size());
  EXPECT_TRUE(t.deregister_buffer(s).ok());
  EXPECT_TRUE(t.deregister_buffer(d).ok());
}

TEST_P(TransportTest, ForkedChildOpensItsOwnConnection) {
  TestNode node(bed(), kNodeRegion);
  auto parent = node.connect(2, 256 << 10);  // opened before the fork, used only by the parent
  const TransportOptions options = node.options(2, 256 << 10);
  Pipe timing;
  TestBuffer src(kBytes);  // private: the child fills its own copy
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: no gtest assertions, no exceptions out, _exit only.
    int code = kChildOk;
    double setup_us = -1;
    const auto start = Clock::now();
    auto own = node.try_connect(options);
    if (own.ok()) {
      setup_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      fill_pattern(src.data(), kBytes, 31);
      BufferId id = 0;
      if (!(*own)->register_buffer(src.data(), kBytes, &id).ok() ||
          !transfer(**own, Op::kWrite, id, 0, kBytes, 4096).ok() || !(*own)->close().ok())
        code = kChildTransferFailed;
    } else {
      std::fprintf(stderr, "child: %s\n", own.status().to_string().c_str());
      code = kChildConnectFailed;
    }
    if (::write(timing.w.get(), &setup_us, sizeof(setup_us)) != sizeof(setup_us)) code = kChildPipeFailed;
    ::_exit(code);
  }
  timing.w.reset();
  double setup_us = -1;
  const bool got = read_full(timing.r.get(), &setup_us, sizeof(setup_us));
  ASSERT_EQ(wait_child(pid), kChildOk);
  ASSERT_TRUE(got);
  std::printf("[ forked child ] %s connection set-up (%d channels) took %.1f us\n", name().c_str(), options.channels,
              setup_us);
  RecordProperty("child_connect_us", std::to_string(setup_us));

  TestBuffer dst(kBytes);
  BufferId d = 0;
  ASSERT_TRUE(parent->register_buffer(dst.data(), kBytes, &d).ok());
  Status r = transfer(*parent, Op::kRead, d, 0, kBytes, 4096);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(dst.data(), kBytes, 31), kBytes);
  expect_parent_transport_works(*parent, 32);
}

TEST_P(TransportTest, ChildFillsSharedBufferParentPosts) {
  TestNode node(bed(), kNodeRegion);
  auto t = node.connect(2, 256 << 10);
  TestBuffer shared(kBytes, /*shared=*/true);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(shared.data(), kBytes, &id).ok());
  Pipe filled;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    fill_pattern(shared.data(), kBytes, 41);  // the child only writes memory: no transport call
    const char ok = 'F';
    ::_exit(::write(filled.w.get(), &ok, 1) == 1 ? kChildOk : kChildPipeFailed);
  }
  filled.w.reset();
  char signal = 0;
  ASSERT_TRUE(read_full(filled.r.get(), &signal, 1));
  EXPECT_EQ(signal, 'F');
  ASSERT_EQ(wait_child(pid), kChildOk);

  Status w = transfer(*t, Op::kWrite, id, 0, kBytes, 8192);
  ASSERT_TRUE(w.ok()) << w.message();
  TestBuffer back(kBytes);
  BufferId b = 0;
  ASSERT_TRUE(t->register_buffer(back.data(), kBytes, &b).ok());
  Status r = transfer(*t, Op::kRead, b, 0, kBytes, 8192);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(back.data(), kBytes, 41), kBytes) << "what was sent is what the child wrote";
  expect_parent_transport_works(*t, 42);
}

// A child that runs its copy of the parent's transport's close() (as exit() running destructors
// would) gets an error and touches nothing of the parent's: the parent's connection is intact.
TEST_P(TransportTest, ChildClosingParentsTransportLeavesItIntact) {
  TestNode node(bed(), kNodeRegion);
  auto t = node.connect(2);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Status s = t->close();
    ::_exit(s.ok() ? kChildCloseDidNotRefuse : kChildOk);
  }
  ASSERT_EQ(wait_child(pid), kChildOk);
  expect_parent_transport_works(*t, 51);
}

}  // namespace
}  // namespace rpbench::transport::testing

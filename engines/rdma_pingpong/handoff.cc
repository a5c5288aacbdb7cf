#include "engines/rdma_pingpong/handoff.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

#include "base/errno_text.h"
#include "measure/clock.h"

namespace rpbench::pingpong {

namespace {

enum Kind : uint32_t { kData = 1, kEnd, kCommit, kFree, kEndDone, kCommitted, kFailed };

struct Message {
  uint32_t kind = 0;
  int32_t index = -1;
  uint64_t len = 0;
  uint64_t offset = 0;  // kData: stream offset
  uint64_t checksum = 0;
  uint64_t digest_sum = 0, digest_xor = 0, digest_count = 0;
};

Status send_message(int fd, const Message& m) {
  ssize_t n;
  do {
    n = ::send(fd, &m, sizeof m, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof m)) return errno_status("hand-off: sending to the other side");
  return Status::Ok();
}

// kNotFound at end-of-file (the other side is gone).
StatusOr<Message> receive_message(int fd) {
  Message m;
  ssize_t n;
  do {
    n = ::recv(fd, &m, sizeof m, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return Status::NotFound("hand-off: the other side is gone");
  if (n < 0) return errno_status("hand-off: receiving");
  if (n != static_cast<ssize_t>(sizeof m))
    return Status::Internal("hand-off: a message of " + std::to_string(n) + " bytes");
  return m;
}

int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

StatusOr<std::array<UniqueFd, 2>> handoff_socketpair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return errno_status("hand-off: socketpair");
  return std::array<UniqueFd, 2>{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

remote::SlotHeader stream_header(const remote::RemoteSlots::Target& target, uint64_t area_offset, uint64_t bytes,
                                 uint64_t checksum, const ContentDigest& digest) {
  remote::SlotHeader h;
  h.kind = remote::PayloadKind::kRdbStream;
  h.format_version = kRdbStreamFormat;
  h.sequence = target.sequence;
  h.payload_offset = area_offset;
  h.payload_bytes = bytes;
  h.payload_checksum = checksum;
  h.digest = digest;
  h.created_unix_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  constexpr std::string_view producer = "rdma-pingpong";
  h.extra.assign(producer.begin(), producer.end());
  return h;
}

// ---- the child's side

HandoffPort::HandoffPort(int fd, int buffers) : fd_(fd) {
  for (int i = 0; i < buffers; ++i) free_.push_back(i);
}

Status HandoffPort::send(int index, uint64_t len, uint64_t stream_offset) {
  if (len == 0) {
    free_.push_back(index);
    return Status::Ok();
  }
  Message m;
  m.kind = kData;
  m.index = index;
  m.len = len;
  m.offset = stream_offset;
  return send_message(fd_, m);
}

StatusOr<int> HandoffPort::await(uint32_t want) {
  for (;;) {
    StatusOr<Message> m = receive_message(fd_);
    if (!m.ok()) return m.status().with_context("waiting for the parent's posting thread: ");
    if (m->kind == kFailed)
      return Status::Unavailable("the parent's posting thread failed (the parent reports the transport's error)");
    if (m->kind == want) return m->index;
    if (m->kind == kFree)
      free_.push_back(m->index);
    else
      return Status::Internal("hand-off: unexpected message " + std::to_string(m->kind) + " from the parent");
  }
}

StatusOr<int> HandoffPort::acquire() {
  if (!free_.empty()) {
    const int i = free_.front();
    free_.pop_front();
    return i;
  }
  return await(kFree);
}

Status HandoffPort::finish() {
  Message m;
  m.kind = kEnd;
  if (Status s = send_message(fd_, m); !s.ok()) return s;
  StatusOr<int> r = await(kEndDone);
  return r.ok() ? Status::Ok() : r.status();
}

Status HandoffPort::commit(const remote::SlotHeader& header) {
  Message m;
  m.kind = kCommit;
  m.len = header.payload_bytes;
  m.checksum = header.payload_checksum;
  m.digest_sum = header.digest.sum;
  m.digest_xor = header.digest.xr;
  m.digest_count = header.digest.count;
  if (Status s = send_message(fd_, m); !s.ok()) return s;
  StatusOr<int> r = await(kCommitted);
  return r.ok() ? Status::Ok() : r.status();
}

// ---- the parent's side

ParentPoster::ParentPoster(transport::Transport& t, transport::BufferId buf, const remote::StreamBuffers& buffers,
                           remote::RemoteSlots& slots, remote::RemoteSlots::Target target, uint64_t area_offset,
                           UniqueFd fd, std::chrono::milliseconds stall)
    : poster_(t, buf, buffers.bytes_each(), stall),
      slots_(slots),
      target_(target),
      area_offset_(area_offset),
      fd_(std::move(fd)) {
  thread_ = std::thread([this] { run(); });
}

ParentPoster::~ParentPoster() {
  if (thread_.joinable()) thread_.join();
}

PosterResult ParentPoster::join() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

void ParentPoster::run() {
  const int64_t cpu0 = thread_cpu_ns();
  std::vector<int> done;
  Status failed;
  bool child_gone = false;
  auto fail = [&](Status s) {
    if (failed.ok()) {
      failed = std::move(s);
      Message m;
      m.kind = kFailed;
      (void)send_message(fd_.get(), m);  // the child may be gone already
    }
  };
  auto give_back = [&] {
    for (int i : done) {
      Message m;
      m.kind = kFree;
      m.index = i;
      if (failed.ok())
        if (Status s = send_message(fd_.get(), m); !s.ok()) child_gone = true;
    }
    done.clear();
  };
  while (!child_gone && !result_.committed) {
    // Completions first (without blocking while a message waits), then the child's next message.
    if (poster_.in_flight() > 0) {
      pollfd p{fd_.get(), POLLIN, 0};
      const bool message_waiting = ::poll(&p, 1, 0) > 0;
      if (Status s = poster_.reap(&done, std::chrono::milliseconds(message_waiting ? 0 : 1)); !s.ok()) fail(s);
      give_back();
      if (!message_waiting) continue;
    }
    StatusOr<Message> m = receive_message(fd_.get());
    if (!m.ok()) {
      child_gone = true;  // end-of-file: the child ended (or was killed) without committing
      if (!m.status().not_found()) fail(m.status());
      break;
    }
    if (m->kind == kData) {
      if (!failed.ok()) continue;
      if (Status s = poster_.post(transport::Op::kWrite, m->index, m->len, area_offset_ + m->offset); !s.ok()) fail(s);
    } else if (m->kind == kEnd || m->kind == kCommit) {
      if (failed.ok())
        if (Status s = poster_.drain(&done); !s.ok()) fail(s);
      give_back();
      if (failed.ok() && m->kind == kCommit) {
        const remote::SlotHeader h = stream_header(target_, area_offset_, m->len, m->checksum,
                                                   ContentDigest{m->digest_sum, m->digest_xor, m->digest_count});
        if (Status s = slots_.commit(target_.slot, h); !s.ok())
          fail(s);
        else {
          result_.committed = true;
          result_.committed_ns = measure::now_ns();
        }
      }
      if (failed.ok()) {
        Message r;
        r.kind = m->kind == kEnd ? kEndDone : kCommitted;
        if (Status s = send_message(fd_.get(), r); !s.ok()) child_gone = true;
      }
    } else {
      fail(Status::Internal("hand-off: unexpected message " + std::to_string(m->kind) + " from the child"));
    }
  }
  // Nothing may stay in flight once the thread ends (the buffers and the transport outlive it).
  if (poster_.in_flight() > 0)
    if (Status s = poster_.drain(&done); !s.ok() && failed.ok()) failed = s;
  result_.status = failed;
  result_.posts = poster_.stats();
  result_.cpu_ns = thread_cpu_ns() - cpu0;
}

}  // namespace rpbench::pingpong

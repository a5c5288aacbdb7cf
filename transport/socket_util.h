// Socket helpers of the shm and tcp transports (internal): a connect deadline, connecting to a
// memory node over TCP ("HOST:PORT") or a unix socket with a timeout, the protocol.h handshake
// (Hello, HelloReply and, for shm, the region's memfd passed with SCM_RIGHTS). Every failure is a Status whose message
// names the endpoint and the reason ("cannot connect to memory node at 127.0.0.1:7000: Connection refused"):
// kUnavailable when nothing serves there (refused, unresolvable, closed during the handshake),
// kTimeout when the deadline passed, kInvalidArgument for a malformed endpoint, kFailedPrecondition
// for a peer that is not a memory node of this protocol, and a refused hello as
// protocol::refusal_code() says.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "transport/protocol.h"

namespace rpbench::transport::detail {

// A point in time connect + handshake must finish by.
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds budget)
      : budget_(budget), at_(std::chrono::steady_clock::now() + budget) {}
  bool expired() const { return std::chrono::steady_clock::now() >= at_; }
  // Milliseconds left for poll(), rounded up (0 when expired).
  int remaining_ms() const;
  std::chrono::milliseconds budget() const { return budget_; }

 private:
  std::chrono::milliseconds budget_;
  std::chrono::steady_clock::time_point at_;
};

// A connected, non-blocking, close-on-exec TCP socket to "HOST:PORT" ("[v6]:PORT" for IPv6), with
// TCP_NODELAY; an error when the address does not resolve, the node refuses, or the deadline passes.
StatusOr<UniqueFd> connect_tcp(const std::string& endpoint, const Deadline& deadline);

// A connected, non-blocking, close-on-exec unix stream socket to `path` (endpoint names it in errors).
StatusOr<UniqueFd> connect_unix(const std::string& path, const std::string& endpoint, const Deadline& deadline);

struct HandshakeResult {
  uint64_t region_bytes = 0;
  UniqueFd memfd;          // the region's memfd (shm only)
  std::string node_facts;  // the accepting node's message: its host facts (protocol.h)
};

// Sends `hello` and reads the node's HelloReply (and the memfd when `want_fd`) before the deadline.
// An error when the node refuses (with its code and message), closes, answers garbage, or is silent.
StatusOr<HandshakeResult> handshake(int fd, const std::string& endpoint, const protocol::Hello& hello,
                                    const Deadline& deadline, bool want_fd);

}  // namespace rpbench::transport::detail

// Socket helpers of the shm and tcp transports (internal): a connect deadline, connecting to a
// memory node over TCP ("HOST:PORT") or a unix socket with a timeout, the protocol.h handshake
// (Hello, HelloReply and, for shm, the region's memfd passed with SCM_RIGHTS), the token, and
// small formatting helpers for describe(). Every failure throws std::runtime_error naming the
// endpoint and the reason (refused, timed out, wrong token, ...).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "base/unique_fd.h"
#include "transport/options.h"
#include "transport/protocol.h"
#include "base/errno_text.h"

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

// Validates channels, queue depth and chunk size (std::invalid_argument naming the field).
void check_options(const TransportOptions& options);

// options.token, else $RPBENCH_MEMNODE_TOKEN; throws std::runtime_error when neither is set.
std::string resolve_token(const TransportOptions& options);

// A connected, non-blocking, close-on-exec TCP socket to "HOST:PORT" ("[v6]:PORT" for IPv6), with
// TCP_NODELAY. Throws when the address does not resolve, the node refuses, or the deadline passes.
UniqueFd connect_tcp(const std::string& endpoint, const Deadline& deadline);

// A connected, non-blocking, close-on-exec unix stream socket to `path` (endpoint names it in errors).
UniqueFd connect_unix(const std::string& path, const std::string& endpoint, const Deadline& deadline);

struct HandshakeResult {
  uint64_t region_bytes = 0;
  UniqueFd memfd;  // the region's memfd (shm only)
};

// Sends `hello` and reads the node's HelloReply (and the memfd when `want_fd`) before the deadline.
// Throws when the node refuses (with its code and message), closes, answers garbage, or is silent.
HandshakeResult handshake(int fd, const std::string& endpoint, const protocol::Hello& hello, const Deadline& deadline,
                          bool want_fd);

// "1 MiB", "64 KiB", "1000 bytes": the largest binary unit that divides the value exactly.
std::string format_bytes(uint64_t bytes);

}  // namespace rpbench::transport::detail

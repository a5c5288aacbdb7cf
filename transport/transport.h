// Transport: a connection to one region of N bytes on a memory node (../shared/DESIGN.md, "Transport").
// Local buffers are registered once; one-sided writes and reads of (buffer, local offset, length)
// to/from a remote offset are posted and complete asynchronously; a transfer larger than
// `chunk_bytes` is cut into chunks striped round-robin over the channels and completes once, when
// all its chunks have (with an error if any chunk failed). Errors come back as values, never as a
// silently short transfer: a Completion is ok only if every byte was written to / read from the
// region and the node confirmed it (tcp: the node's reply; verbs: the RC completion; shm: the copy,
// with the node still holding the region).
//
// Threading: a Transport is used by one thread at a time (like a verbs QP owned by one client).
// fork: a forked child must not use its parent's Transport. It either opens its own (mode a in
// tests/transport/fork_test.cc) or fills buffers in MAP_SHARED memory that the parent registered
// and posts (mode b). See each implementation's header for what it does at fork.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/status_or.h"
#include "transport/options.h"

namespace rpbench::transport {

using BufferId = uint32_t;

enum class Op : uint8_t { kWrite = 1, kRead = 2 };
constexpr std::string_view op_name(Op op) { return op == Op::kWrite ? "write" : "read"; }

struct Completion {
  uint64_t tag = 0;    // the caller's tag from post()
  Status status;       // ok, or why the transfer failed (then nothing is known about the region's bytes)
  uint64_t bytes = 0;  // the transfer's length when ok, 0 when it failed
};

class Transport {
 public:
  virtual ~Transport() = default;
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  virtual std::string_view name() const = 0;  // "shm", "tcp", "verbs"
  // One line for results and logs: transport, node address, channels, link model / device.
  virtual std::string describe() const = 0;
  virtual uint64_t region_bytes() const = 0;
  virtual int channels() const = 0;
  // What the memory node said about its host in the handshake (protocol::parse_node_facts):
  // "host=...;kernel=...;...", or "" where the handshake carries none (verbs' rdma_cm accept).
  virtual std::string node_facts() const { return ""; }

  // Makes [addr, addr + len) usable as a local buffer of post() (verbs: ibv_reg_mr). The memory must
  // stay mapped until deregister_buffer() or the transport is destroyed.
  virtual Status register_buffer(void* addr, size_t len, BufferId* id) = 0;
  virtual Status deregister_buffer(BufferId id) = 0;

  // Starts a transfer of `len` bytes between buffer `buf` at `local_off` and the region at
  // `remote_off`; returns at once unless the queue of a channel its chunks go to (round-robin) is
  // full: then it makes progress until there is room, or fails the transport after
  // options.io_timeout_ms without any. Argument errors (unknown buffer, range outside the buffer or the region, len 0,
  // closed transport) are returned here and produce no completion.
  virtual Status post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) = 0;
  // Completions of finished transfers (at most out.size()); never blocks.
  virtual size_t poll(std::span<Completion> out) = 0;
  // Like poll(), but waits up to `timeout` for at least one completion.
  virtual size_t wait(std::span<Completion> out, std::chrono::milliseconds timeout) = 0;
  // Transfers posted and not yet returned by poll()/wait().
  virtual size_t pending() const = 0;
  // Waits for pending transfers (their completions are dropped) and disconnects; later posts fail.
  virtual Status close() = 0;
};

// Connects to the memory node `options` names, through the transport registry (registry.h):
// options.type picks the transport (kInvalidArgument naming the choices for any other), `endpoint`
// is the address of the node's listener for it (for memnode == "auto", the one the harness's own
// node printed: see memnode_process.h). An error with the address and the reason when the options
// are bad (kInvalidArgument), the node cannot be reached (kUnavailable) or does not answer
// (kTimeout) within connect_timeout_ms, refuses the handshake, or (verbs) no RDMA device can
// serve the address (kFailedPrecondition).
StatusOr<std::unique_ptr<Transport>> connect(const TransportOptions& options, const std::string& endpoint);

// Posts one transfer and waits for it (up to `timeout`): the synchronous helper tests and
// set-up code use. Any other completion that arrives meanwhile is an error (use on an idle transport).
Status transfer(Transport& t, Op op, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));

}  // namespace rpbench::transport

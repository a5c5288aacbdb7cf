// TransportOptions: what a connection to a memory node is made of. Filled from the config's
// `transport` section (harness/config/fields.cc declares each field, its default and range) or
// from `rpbench probe transport` flags; the transports read nothing else.
#pragma once
#include <cstdint>
#include <string>

#include "base/status.h"

namespace rpbench::transport {

// The limits of a connection's options: the config fields (harness/config/fields.cc), the probe's
// flags and the transports all use these.
inline constexpr int kMaxChannels = 64;
inline constexpr int kMaxQueueDepth = 4096;  // outstanding chunks per channel
inline constexpr uint64_t kMinChunkBytes = 4096;
inline constexpr uint64_t kMaxChunkBytes = 1ull << 30;  // also the largest single request (protocol.h)
inline constexpr uint64_t kMinRegionBytes = 1ull << 20;
inline constexpr uint64_t kMaxRegionBytes = 1ull << 40;
inline constexpr int kMaxTimeoutMs = 3600000;
inline constexpr int kMaxSignalEvery = 4096;
inline constexpr int kMaxInlineBytes = 4096;

// shm only: emulate a NIC. 0 means "no cap" / "no added latency".
struct LinkModel {
  double bandwidth_gbps = 0;  // gigabits per second shared by all channels of the connection
  double latency_us = 0;      // added to every operation (one-way: post to completion)
  bool active() const { return bandwidth_gbps > 0 || latency_us > 0; }
};

// verbs only. Empty / negative = chosen automatically (see verbs_transport.h).
struct VerbsOptions {
  std::string device;     // e.g. "rxe0", "mlx5_0"; empty: the device rdma_cm resolves the address to
  int port = 0;           // 0: the port rdma_cm picks
  int gid_index = -1;     // -1: rdma_cm picks (RoCE v2 GID of the address)
  int signal_every = 16;  // one signalled work request every K (selective signalling)
  int max_inline = -1;    // -1: what the device allows (0 disables inline sends)
};

struct TransportOptions {
  std::string type = "none";                 // none | shm | tcp | verbs
  std::string memnode = "auto";              // auto | HOST:PORT (tcp, verbs) | unix:PATH (shm)
  int channels = 1;                          // connections / queue pairs a transfer is striped across
  int queue_depth = 64;                      // outstanding chunks per channel before post waits
  uint64_t chunk_bytes = 1 << 20;            // stripe unit: a transfer is cut into chunks of this size
  uint32_t region = 0;                       // which region of the node
  uint64_t region_bytes = 1ull << 30;        // size of the region an auto memory node creates
  bool prefault = false;                     // auto memory node: pre-fault its regions (else lazily)
  std::string token;                         // shared secret; empty: RPBENCH_MEMNODE_TOKEN, or a fresh one for auto
  int connect_timeout_ms = 5000;             // connect (incl. handshake) gives up after this
  int io_timeout_ms = 30000;                 // a hung node: tcp fails a channel awaiting it with no byte moving for
                                             // this long; verbs gives up a full queue or close() after this long
                                             // without a completion (the RC retry limits normally fire first)
  std::string listen_address = "127.0.0.1";  // auto memory node: the address it listens on
  LinkModel link;
  VerbsOptions verbs;
};

// Checks what every transport shares against the limits above: channels in [1, kMaxChannels],
// queue_depth in [1, kMaxQueueDepth], chunk_bytes in [1, kMaxChunkBytes] (a transport takes chunks
// below the config's kMinChunkBytes: tests cut transfers finely), connect_timeout_ms and
// io_timeout_ms in [1, kMaxTimeoutMs]. kInvalidArgument naming the field and the value; each
// transport checks its own fields (link, verbs) itself.
Status check_options(const TransportOptions& options);

}  // namespace rpbench::transport

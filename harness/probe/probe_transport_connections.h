// The connections of a `rpbench probe transport` run, open for the whole sweep: the RemoteMemory
// (the memory node the probe starts or names, and the connection with the first channel count
// swept) and one more connection per further channel count, each with the probe's local buffer
// registered and the region warmed through it. The local buffer must outlive them (transfers
// into it may still be in flight when a failed point tears the connections down).
#pragma once
#include <memory>
#include <vector>

#include "base/status_or.h"
#include "harness/probe/probe_transport_points.h"
#include "measure/mapping.h"
#include "transport/remote_memory.h"
#include "transport/transport.h"

namespace rpbench::probe {

// A registered local buffer, deregistered on destruction.
class Registration {
 public:
  static StatusOr<std::unique_ptr<Registration>> make(transport::Transport& t, measure::AnonMapping& mem);
  ~Registration() { (void)t_.deregister_buffer(buf_.id); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  const LocalBuffer& buffer() const { return buf_; }

 private:
  Registration(transport::Transport& t, LocalBuffer buf) : t_(t), buf_(buf) {}
  transport::Transport& t_;
  LocalBuffer buf_;
};

struct ProbeConnection {
  int channels = 0;
  std::unique_ptr<transport::Transport> own;  // null for the RemoteMemory's own connection
  transport::Transport* t = nullptr;
  std::unique_ptr<Registration> reg;  // destroyed before `own` (declared after it)
  const LocalBuffer& buffer() const { return reg->buffer(); }
};

class ProbeConnections {
 public:
  // Starts (memnode "auto") or names the node and connects with `first`; `local` is registered
  // on every connection and must outlive this object.
  static StatusOr<std::unique_ptr<ProbeConnections>> open(const transport::TransportOptions& first,
                                                          measure::AnonMapping& local);
  // One more connection with `channels` (the first call: the RemoteMemory's own), buffer
  // registered and region warmed.
  Status add(int channels);
  // The connection with `channels`, or nullptr.
  ProbeConnection* find(int channels);
  std::vector<ProbeConnection>& all() { return conns_; }
  transport::RemoteMemory& remote() { return *remote_; }
  // Deregisters the buffer everywhere and closes the connections this object opened (the
  // RemoteMemory closes its own and stops its node when destroyed).
  Status close();

 private:
  ProbeConnections(std::unique_ptr<transport::RemoteMemory> remote, measure::AnonMapping& local)
      : remote_(std::move(remote)), local_(local) {}
  std::unique_ptr<transport::RemoteMemory> remote_;  // destroyed last: the node outlives every connection
  measure::AnonMapping& local_;
  std::vector<ProbeConnection> conns_;
};

}  // namespace rpbench::probe

#include "harness/probe/probe_transport_connections.h"

#include <string>
#include <utility>

namespace rpbench::probe {

StatusOr<std::unique_ptr<Registration>> Registration::make(transport::Transport& t, measure::AnonMapping& mem) {
  LocalBuffer buf;
  buf.bytes = mem.size();
  const Status s = t.register_buffer(mem.data(), mem.size(), &buf.id);
  if (!s.ok())
    return s.with_context("registering the local buffer of " + std::to_string(mem.size()) + " bytes with " +
                          std::string(t.name()) + ": ");
  return std::unique_ptr<Registration>(new Registration(t, buf));
}

StatusOr<std::unique_ptr<ProbeConnections>> ProbeConnections::open(const transport::TransportOptions& first,
                                                                   measure::AnonMapping& local) {
  StatusOr<std::unique_ptr<transport::RemoteMemory>> remote = transport::RemoteMemory::open(first);
  if (!remote.ok()) return remote.status();
  return std::unique_ptr<ProbeConnections>(new ProbeConnections(std::move(*remote), local));
}

Status ProbeConnections::add(int channels) {
  ProbeConnection c;
  c.channels = channels;
  c.t = &remote_->transport();
  if (!conns_.empty()) {
    transport::TransportOptions o = remote_->options();
    o.channels = channels;
    StatusOr<std::unique_ptr<transport::Transport>> own = transport::connect(o, remote_->endpoint());
    if (!own.ok()) return own.status();
    c.own = std::move(*own);
    c.t = c.own.get();
  }
  StatusOr<std::unique_ptr<Registration>> reg = Registration::make(*c.t, local_);
  if (!reg.ok()) return reg.status();
  c.reg = std::move(*reg);
  if (Status s = warm_region(*c.t, c.buffer()); !s.ok()) return s;
  conns_.push_back(std::move(c));
  return Status::Ok();
}

ProbeConnection* ProbeConnections::find(int channels) {
  for (ProbeConnection& c : conns_)
    if (c.channels == channels) return &c;
  return nullptr;
}

Status ProbeConnections::close() {
  for (ProbeConnection& c : conns_) {
    c.reg.reset();
    if (!c.own) continue;
    if (const Status s = c.own->close(); !s.ok())
      return s.with_context("closing the " + std::to_string(c.channels) + "-channel connection: ");
  }
  return Status::Ok();
}

}  // namespace rpbench::probe

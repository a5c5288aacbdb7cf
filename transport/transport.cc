#include "transport/transport.h"

#include <array>
#include <stdexcept>

#include "transport/socket_transports.h"
#include "transport/verbs_transport.h"

namespace rpbench::transport {

std::unique_ptr<Transport> connect(const TransportOptions& options, const std::string& endpoint) {
  if (options.type == "shm") return connect_shm(options, endpoint);
  if (options.type == "tcp") return connect_tcp(options, endpoint);
  if (options.type == "verbs") return connect_verbs(options, endpoint);
  throw std::runtime_error("transport.type '" + options.type + "' has no connection (expected shm, tcp or verbs)");
}

Status transfer(Transport& t, Op op, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off,
                std::chrono::milliseconds timeout) {
  constexpr uint64_t kTag = 0x7472616e73666572;  // "transfer"
  if (t.pending() != 0) return Status::FailedPrecondition("transfer(): the transport has transfers pending");
  Status posted = t.post(op, kTag, buf, local_off, len, remote_off);
  if (!posted.ok()) return posted;
  std::array<Completion, 1> c;
  if (t.wait(c, timeout) == 0)
    return Status::Timeout(std::string(op_name(op)) + " of " + std::to_string(len) + " bytes at remote offset " +
                         std::to_string(remote_off) + " did not complete within " +
                         std::to_string(timeout.count()) + " ms");
  if (c[0].tag != kTag) return Status::Internal("transfer(): unexpected completion");
  return c[0].status;
}

}  // namespace rpbench::transport

#include "transport/transport.h"

#include <array>

#include "transport/registry.h"

namespace rpbench::transport {

StatusOr<std::unique_ptr<Transport>> connect(const TransportOptions& options, const std::string& endpoint) {
  const TransportEntry* entry = find_transport(options.type);
  if (entry == nullptr)
    return Status::InvalidArgument("transport.type '" + options.type + "' has no connection (expected " +
                                   transport_choices() + ")");
  return entry->connect(options, endpoint);
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
                           std::to_string(remote_off) + " did not complete within " + std::to_string(timeout.count()) +
                           " ms");
  if (c[0].tag != kTag) return Status::Internal("transfer(): unexpected completion");
  return c[0].status;
}

}  // namespace rpbench::transport

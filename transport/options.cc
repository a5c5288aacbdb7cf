#include "transport/options.h"

#include <string>

namespace rpbench::transport {

namespace {

// "transport.<field> must be in [lo, hi], got v"
template <class T>
Status out_of_range(const char* field, uint64_t lo, uint64_t hi, T got) {
  std::string m = "transport.";
  m += field;
  m += " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(got);
  return Status::InvalidArgument(std::move(m));
}

}  // namespace

Status check_options(const TransportOptions& o) {
  if (o.channels < 1 || o.channels > kMaxChannels) return out_of_range("channels", 1, kMaxChannels, o.channels);
  if (o.queue_depth < 1 || o.queue_depth > kMaxQueueDepth)
    return out_of_range("queue_depth", 1, kMaxQueueDepth, o.queue_depth);
  if (o.chunk_bytes < 1 || o.chunk_bytes > kMaxChunkBytes)
    return out_of_range("chunk_bytes", 1, kMaxChunkBytes, o.chunk_bytes);
  if (o.connect_timeout_ms < 1 || o.connect_timeout_ms > kMaxTimeoutMs)
    return out_of_range("connect_timeout_ms", 1, kMaxTimeoutMs, o.connect_timeout_ms);
  if (o.io_timeout_ms < 1 || o.io_timeout_ms > kMaxTimeoutMs)
    return out_of_range("io_timeout_ms", 1, kMaxTimeoutMs, o.io_timeout_ms);
  return Status::Ok();
}

}  // namespace rpbench::transport

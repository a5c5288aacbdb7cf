// The rdma-pingpong engine's options, declared once (pingpong_option_table(): each field names the
// member it fills, its default is the member's value below). "allocator" is a common engine
// option declared by the harness; the connection is the experiment's `transport` section.
#pragma once
#include <cstdint>

#include "base/field.h"
#include "engines/kvstore/thp_policy.h"

namespace rpbench::pingpong {

inline constexpr int64_t kMinBuffers = 2;
inline constexpr int64_t kMaxBuffers = 64;
inline constexpr int64_t kMinBufferBytes = 64 * 1024;  // a writer window (RdbWriter::kMaxWindow)
inline constexpr int64_t kMaxBufferBytes = int64_t{1} << 30;

// Who talks to the memory node while the fork child streams.
enum class ForkMode {
  kChildConnect,  // the child opens its own connection after fork and posts its buffers itself
  kParentPosts,   // the parent's connection: the child hands full buffers (MAP_SHARED) to a parent thread
};
inline constexpr config::NameTable<ForkMode, 2> kForkModeNames{
    {{ForkMode::kChildConnect, "child-connect"}, {ForkMode::kParentPosts, "parent-posts"}}};

struct PingpongOptions {
  int64_t buffers = 2;             // 2 = ping-pong
  int64_t buffer_bytes = 4 << 20;  // each buffer; a full one is one WRITE (cut into chunks over channels)
  ForkMode fork_mode = ForkMode::kChildConnect;
  bool prefault_buffers = true;  // touch every buffer page before the stream starts
  kvstore::ThpMode thp = kvstore::ThpMode::kDefault;
  // Test hook (not a config field): the snapshot child sleeps this long after the RDB header.
  unsigned test_child_pause_ms = 0;
};

const config::OptionTable<PingpongOptions>& pingpong_option_table();

}  // namespace rpbench::pingpong

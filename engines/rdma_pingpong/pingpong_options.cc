#include "engines/rdma_pingpong/pingpong_options.h"

namespace rpbench::pingpong {

const config::OptionTable<PingpongOptions>& pingpong_option_table() {
  static const config::OptionTable<PingpongOptions> table = [] {
    using O = PingpongOptions;
    config::OptionTable<O> t;
    t.integer("buffers", &O::buffers, kMinBuffers, kMaxBuffers,
              "snapshot buffers the child fills in turn (2 = ping-pong); it waits only when all are in flight");
    t.integer("buffer_bytes", &O::buffer_bytes, kMinBufferBytes, kMaxBufferBytes,
              "bytes of each buffer: a full buffer is sent by one WRITE, cut into transport.chunk_bytes "
              "chunks over transport.channels");
    t.choice("fork_mode", &O::fork_mode, kForkModeNames,
             "child-connect: the fork child opens its own connection and posts its writes; parent-posts: the "
             "parent registered MAP_SHARED buffers before the fork and a parent thread posts what the child filled");
    t.boolean("prefault_buffers", &O::prefault_buffers,
              "fault in every buffer page before streaming (else the first write of each page faults)");
    t.choice("thp", &O::thp, kvstore::kThpModeNames,
             "transparent huge pages for the store: never (prctl THP_DISABLE), madvise (advise the heap), "
             "default (system setting)");
    return t;
  }();
  return table;
}

}  // namespace rpbench::pingpong

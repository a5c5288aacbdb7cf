// OutputSink: where the RDB writer's bytes go (Redis's rio: the same serializer writes to a file,
// a memory buffer or a remote stream).
//
// The contract: the sink owns the memory the stream is written into, and lends it out one window
// at a time, so a sink with fixed-size buffers (a registered buffer that an RDMA WRITE sends to
// remote memory) gets every byte written straight into its buffer, with no copy besides the
// writer's own filling of it.
//
//   reserve(&w)   the sink lends a writable window w (at least 1 byte; its size is the sink's
//                 choice, typically the rest of its current buffer). The window is valid until
//                 the next call of any kind on the sink.
//   commit(n)     the first n bytes of the window last reserved (n <= its size, n may be 0) are
//                 filled and are the stream's next bytes; the rest of the window is returned
//                 unused. The next reserve() lends the space right after them: the rest of the
//                 same buffer when some is left, else a fresh one. A sink may hand a full buffer
//                 on (write it, send it) inside commit(); it must never hand the same filled
//                 bytes on twice, and it hands buffers on in stream order.
//   flush()       optional: push every committed byte on now, even a partial buffer (the file
//                 sink write()s it). Only the writer's test hook calls it; the default does
//                 nothing, and a sink whose buffers must go out full may ignore it.
//   finish()      end of the stream: hand on whatever is committed and make the stream durable
//                 or visible as the sink defines (the file sink renames its temporary file into
//                 place). No call follows a finish().
//
// Calls alternate reserve, commit, reserve, commit, ...; flush() and finish() come only after a
// commit (or before the first reserve). Every call returns a Status; after a failure the sink stays
// failed and every later call returns that failure. A sink never throws (the writer runs in a forked
// snapshot child) and is used by one thread.
//
// The writer computes the RDB checksum itself over exactly the bytes it commits, so the CRC64 does
// not depend on the sink.
#pragma once
#include <cstddef>
#include <span>

#include "base/status.h"

namespace rpbench::rdb {

class OutputSink {
 public:
  virtual ~OutputSink() = default;

  virtual Status reserve(std::span<char>* window) = 0;
  virtual Status commit(size_t n) = 0;
  virtual Status flush() { return Status::Ok(); }
  virtual Status finish() = 0;
};

}  // namespace rpbench::rdb

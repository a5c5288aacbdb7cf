// InputSource: where the RDB loader's bytes come from (a file, a memory buffer, and for the
// remote-memory engines the stream read back from the memory node chunk by chunk).
//
// The contract: pull-style and zero-copy. The loader asks for the next piece and parses it where
// it lies; the source owns the memory.
//
//   size()        the stream's length in bytes, known before the first byte is read (a file's
//                 size, a buffer's length, a remote snapshot's payload length from its header):
//                 the loader checks every length the stream announces against the bytes left, so
//                 a corrupt length never allocates more than the stream holds.
//   next(&chunk)  the next bytes of the stream, in order: a window of at least 1 byte, valid until
//                 the next call (or the source's end); an empty window means the stream ended.
//                 The windows' sizes are the source's choice (they need not be equal, and a record
//                 may span any number of them). A source never yields more than size() bytes in
//                 all; when it yields fewer, the loader reports the stream truncated.
//   name()        what to call the stream in error messages (a path; "memory buffer"; a slot).
//
// A read failure is a Status (kIoError, kUnavailable, ...); the loader reports it with its name
// and the byte offset. A source never throws and is used by one thread.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"

namespace rpbench::rdb {

class InputSource {
 public:
  virtual ~InputSource() = default;

  virtual uint64_t size() const = 0;
  virtual Status next(std::span<const char>* chunk) = 0;
  virtual std::string_view name() const = 0;
};

}  // namespace rpbench::rdb

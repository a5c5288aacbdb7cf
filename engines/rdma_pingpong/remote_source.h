// RemoteSource: the RDB loader's InputSource (engines/rdb/input_source.h) over a committed slot
// of the memory node. The payload is READ into the remote::StreamBuffers piece by piece (piece k into
// buffer k mod N), every free buffer reading ahead while the loader parses the piece before it;
// the payload checksum is taken over the pieces as they are handed out, and a mismatch is an
// error at the end of the stream (the loader then leaves the store empty).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "engines/rdb/input_source.h"
#include "engines/remote/buffer_poster.h"
#include "engines/remote/checksum.h"
#include "engines/remote/slot_header.h"
#include "engines/remote/stream_buffers.h"

namespace rpbench::pingpong {

class RemoteSource final : public rdb::InputSource {
 public:
  RemoteSource(transport::Transport& t, transport::BufferId buf, const remote::StreamBuffers& buffers,
               const remote::SlotHeader& header, std::chrono::milliseconds stall, std::string name);
  ~RemoteSource() override;  // waits for reads still in flight (the buffers outlive the source)

  uint64_t size() const override { return header_.payload_bytes; }
  Status next(std::span<const char>* chunk) override;
  std::string_view name() const override { return name_; }

  const remote::PostStats& reads() const { return poster_.stats(); }
  int64_t wait_ns() const { return wait_ns_; }  // the loader waiting for a piece to arrive

 private:
  Status post_ahead();
  uint64_t piece_offset(uint64_t k) const { return k * buffers_.bytes_each(); }
  uint64_t piece_len(uint64_t k) const;

  remote::BufferPoster poster_;
  const remote::StreamBuffers& buffers_;
  remote::SlotHeader header_;
  std::string name_;
  uint64_t pieces_ = 0;
  uint64_t next_post_ = 0;   // the next piece to post
  uint64_t next_out_ = 0;    // the next piece to hand out
  bool holding_ = false;     // the loader holds piece next_out_ - 1
  std::vector<bool> ready_;  // by buffer
  std::vector<int> done_;
  remote::Checksum64 checksum_;
  int64_t wait_ns_ = 0;
  Status failed_;
};

}  // namespace rpbench::pingpong

#include "engines/mempool_offload/extent_io.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engines/remote/buffer_poster.h"
#include "engines/remote/checksum.h"
#include "engines/remote/stream_buffers.h"
#include "measure/clock.h"

namespace rpbench::mempool {

namespace {

constexpr uint64_t kPage = 4096;

// The buffer registration of one extent transfer, deregistered when it goes.
class Registration {
 public:
  Registration(transport::Transport& t) : t_(t) {}
  ~Registration() {
    if (live_) (void)t_.deregister_buffer(id_);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  Status add(void* p, uint64_t len, ExtentIoStats* st, const char* what) {
    const uint64_t t0 = measure::now_ns();
    if (Status s = t_.register_buffer(p, static_cast<size_t>(len), &id_); !s.ok())
      return s.with_context(std::string("registering ") + what + ": ");
    st->register_ns += static_cast<int64_t>(measure::now_ns() - t0);
    live_ = true;
    return Status::Ok();
  }
  transport::BufferId id() const { return id_; }

 private:
  transport::Transport& t_;
  transport::BufferId id_ = 0;
  bool live_ = false;
};

uint64_t chunk_len(uint64_t len, uint64_t chunk, uint64_t i) { return std::min(chunk, len - i * chunk); }

// Waits for one transfer; its time counts as waiting.
Status wait_one(remote::BufferPoster& p, std::vector<int>* done, ExtentIoStats* st) {
  const uint64_t t0 = measure::now_ns();
  Status s = p.reap_one(done);
  st->wait_ns += static_cast<int64_t>(measure::now_ns() - t0);
  return s;
}

void finish(const remote::BufferPoster& p, ExtentIoStats* st) {
  st->busy_ns = p.stats().busy_ns;
  st->start_ns = p.stats().first_post_ns;
  st->data_done_ns = p.stats().last_completion_ns;
}

}  // namespace

Status write_extent(transport::Transport& t, const char* src, uint64_t len, uint64_t remote_off, bool copy,
                    const ExtentIo& io, uint64_t* checksum, ExtentIoStats* st) {
  const uint64_t chunk = io.chunk_bytes;
  const int window = std::max(1, io.window);
  Registration reg(t);
  remote::StreamBuffers staging;
  if (copy) {
    StatusOr<remote::StreamBuffers> b =
        remote::StreamBuffers::create(window, chunk, /*shared=*/false, /*prefault=*/true);
    if (!b.ok()) return b.status().with_context("the staging buffers: ");
    staging = std::move(*b);
    st->prefault_us = staging.prefault_us();
    if (Status s = reg.add(staging.data(), staging.total_bytes(), st, "the staging buffers"); !s.ok()) return s;
  } else {
    if (Status s = reg.add(const_cast<char*>(src), (len + kPage - 1) & ~(kPage - 1), st, "the pool's extent"); !s.ok())
      return s;
  }
  remote::BufferPoster poster(t, reg.id(), chunk, io.stall);
  remote::Checksum64 sum;
  std::vector<int> done;
  std::vector<int> free_buffers;
  for (int i = window - 1; i >= 0; --i) free_buffers.push_back(i);
  const uint64_t chunks = (len + chunk - 1) / chunk;
  for (uint64_t i = 0; i < chunks; ++i) {
    const uint64_t n = chunk_len(len, chunk, i);
    const char* from = src + i * chunk;
    if (copy) {
      while (free_buffers.empty()) {
        done.clear();
        if (Status s = wait_one(poster, &done, st); !s.ok()) return s;
        free_buffers.insert(free_buffers.end(), done.begin(), done.end());
      }
      const int b = free_buffers.back();
      free_buffers.pop_back();
      const uint64_t t0 = measure::now_ns();
      std::memcpy(staging.buffer(b), from, n);
      sum.update(staging.buffer(b), n);
      st->copy_ns += static_cast<int64_t>(measure::now_ns() - t0);
      if (Status s = poster.post(transport::Op::kWrite, b, n, remote_off + i * chunk); !s.ok()) return s;
    } else {
      while (poster.in_flight() >= static_cast<size_t>(window)) {
        done.clear();
        if (Status s = wait_one(poster, &done, st); !s.ok()) return s;
      }
      const uint64_t t0 = measure::now_ns();
      sum.update(from, n);
      st->checksum_ns += static_cast<int64_t>(measure::now_ns() - t0);
      if (Status s = poster.post(transport::Op::kWrite, static_cast<int>(i), n, remote_off + i * chunk); !s.ok())
        return s;
    }
    ++st->chunks;
    st->bytes += n;
    if (i == 0 && io.after_first_chunk) io.after_first_chunk();
    done.clear();
    if (Status s = poster.reap(&done, std::chrono::milliseconds(0)); !s.ok()) return s;
    if (copy) free_buffers.insert(free_buffers.end(), done.begin(), done.end());
  }
  done.clear();
  const uint64_t t0 = measure::now_ns();
  Status s = poster.drain(&done);
  st->wait_ns += static_cast<int64_t>(measure::now_ns() - t0);
  finish(poster, st);
  if (!s.ok()) return s;
  *checksum = sum.digest();
  return Status::Ok();
}

Status read_extent(transport::Transport& t, char* dst, uint64_t len, uint64_t remote_off, const ExtentIo& io,
                   uint64_t* checksum, ExtentIoStats* st) {
  const uint64_t chunk = io.chunk_bytes;
  const int window = std::max(1, io.window);
  Registration reg(t);
  if (Status s = reg.add(dst, (len + kPage - 1) & ~(kPage - 1), st, "the pool for the recovery's reads"); !s.ok())
    return s;
  remote::BufferPoster poster(t, reg.id(), chunk, io.stall);
  remote::Checksum64 sum;
  const uint64_t chunks = (len + chunk - 1) / chunk;
  std::vector<char> landed(chunks, 0);
  uint64_t summed = 0;  // chunks [0, summed) are in the checksum
  std::vector<int> done;
  auto absorb = [&] {
    for (int c : done) landed[static_cast<size_t>(c)] = 1;
    done.clear();
    const uint64_t t0 = measure::now_ns();
    for (; summed < chunks && landed[summed]; ++summed) sum.update(dst + summed * chunk, chunk_len(len, chunk, summed));
    st->checksum_ns += static_cast<int64_t>(measure::now_ns() - t0);
  };
  for (uint64_t i = 0; i < chunks; ++i) {
    while (poster.in_flight() >= static_cast<size_t>(window)) {
      if (Status s = wait_one(poster, &done, st); !s.ok()) return s;
      absorb();
    }
    const uint64_t n = chunk_len(len, chunk, i);
    if (Status s = poster.post(transport::Op::kRead, static_cast<int>(i), n, remote_off + i * chunk); !s.ok()) return s;
    ++st->chunks;
    st->bytes += n;
  }
  const uint64_t t0 = measure::now_ns();
  Status s = poster.drain(&done);
  st->wait_ns += static_cast<int64_t>(measure::now_ns() - t0);
  finish(poster, st);
  if (!s.ok()) return s;
  absorb();
  *checksum = sum.digest();
  return Status::Ok();
}

}  // namespace rpbench::mempool

// Checksum64: the checksum of a remote snapshot's bytes, XXH3-64 (Debian's libxxhash, compiled
// in header-only: no run-time library), streaming so that a writer can feed it as it fills its
// buffers and a reader as its reads arrive. bench_remote_checksum measures its GB/s.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace rpbench::remote {

class Checksum64 {
 public:
  Checksum64();
  ~Checksum64();
  Checksum64(Checksum64&&) noexcept;
  Checksum64& operator=(Checksum64&&) noexcept;
  Checksum64(const Checksum64&) = delete;
  Checksum64& operator=(const Checksum64&) = delete;

  void update(const void* data, size_t len);
  uint64_t digest() const;
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The checksum of one buffer.
uint64_t checksum64(const void* data, size_t len);

}  // namespace rpbench::remote

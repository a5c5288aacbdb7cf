#include "engines/remote/checksum.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace rpbench::remote {

struct Checksum64::State {
  XXH3_state_t s;
};

Checksum64::Checksum64() : state_(std::make_unique<State>()) { reset(); }
Checksum64::~Checksum64() = default;
Checksum64::Checksum64(Checksum64&&) noexcept = default;
Checksum64& Checksum64::operator=(Checksum64&&) noexcept = default;

void Checksum64::reset() { XXH3_64bits_reset(&state_->s); }
void Checksum64::update(const void* data, size_t len) { XXH3_64bits_update(&state_->s, data, len); }
uint64_t Checksum64::digest() const { return XXH3_64bits_digest(&state_->s); }

uint64_t checksum64(const void* data, size_t len) { return XXH3_64bits(data, len); }

}  // namespace rpbench::remote

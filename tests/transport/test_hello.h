// For tests: a hello that must be made (a bad token throws, so the test fails naming it).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "transport/protocol.h"

namespace rpbench::transport::testing {

inline protocol::Hello must_hello(uint32_t region, std::string_view token, uint16_t flags = 0) {
  StatusOr<protocol::Hello> h = protocol::make_hello(region, token, flags);
  if (!h.ok()) throw std::runtime_error("make_hello: " + h.status().message());
  return *h;
}

}  // namespace rpbench::transport::testing

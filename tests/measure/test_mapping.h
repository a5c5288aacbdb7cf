// For tests: an AnonMapping that must map (a failure throws, so the test fails naming the
// Status), optionally with an madvise advice applied that must also succeed.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <utility>

#include "measure/mapping.h"

namespace rpbench::testing {

inline measure::AnonMapping must_map(size_t bytes, size_t alignment = 0, int advice = -1) {
  auto m = measure::AnonMapping::map(bytes, alignment);
  if (!m.ok()) throw std::runtime_error("AnonMapping::map: " + m.status().message());
  if (advice >= 0)
    if (Status s = m->advise(advice); !s.ok()) throw std::runtime_error("AnonMapping::advise: " + s.message());
  return std::move(m).value();
}

}  // namespace rpbench::testing

// The paged-kv engine's cases over a real rpbench-memnode, for each transport and eviction policy
// a suite file instantiates: sockets_suite.cc (shm and tcp) and verbs_suite.cc (verbs, in the
// Soft-RoCE VM).
#pragma once
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "engines/paged_kv/replacer.h"

namespace rpbench::paged::testing {

struct Param {
  std::string transport;
  Eviction eviction;
};

std::string param_name(const ::testing::TestParamInfo<Param>& p);
inline void PrintTo(const Param& p, std::ostream* os) {
  *os << p.transport << " " << name_of(kEvictionNames, p.eviction);
}

class PagedTest : public ::testing::TestWithParam<Param> {};

}  // namespace rpbench::paged::testing

// The mempool-offload engine's cases, over a real rpbench-memnode (a standalone node reached by
// its address), for each transport and snapshot mode a suite file instantiates: sockets_suite.cc
// (shm and tcp) and verbs_suite.cc (verbs, in the Soft-RoCE VM).
#pragma once
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "engines/mempool_offload/mempool_options.h"

namespace rpbench::mempool::testing {

struct Param {
  std::string transport;
  SnapshotMode mode;
};

std::string param_name(const ::testing::TestParamInfo<Param>& p);
inline void PrintTo(const Param& p, std::ostream* os) {
  *os << p.transport << " " << name_of(kSnapshotModeNames, p.mode);
}

class MempoolTest : public ::testing::TestWithParam<Param> {};

}  // namespace rpbench::mempool::testing

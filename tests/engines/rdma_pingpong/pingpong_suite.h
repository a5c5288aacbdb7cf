// The rdma-pingpong engine's cases, over a real rpbench-memnode (a standalone node, reached by
// its address as `transport.memnode: HOST:PORT` names one), for each transport and fork mode a
// suite file instantiates: sockets_suite.cc (shm and tcp, here) and verbs_suite.cc (verbs, in the
// Soft-RoCE VM).
#pragma once
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "engines/rdma_pingpong/pingpong_options.h"

namespace rpbench::pingpong::testing {

struct Param {
  std::string transport;
  ForkMode mode;
};

std::string param_name(const ::testing::TestParamInfo<Param>& p);
inline void PrintTo(const Param& p, std::ostream* os) {
  *os << p.transport << (p.mode == ForkMode::kChildConnect ? " child-connect" : " parent-posts");
}

class PingpongTest : public ::testing::TestWithParam<Param> {};

}  // namespace rpbench::pingpong::testing

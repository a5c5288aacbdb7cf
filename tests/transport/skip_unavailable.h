// SKIP_UNLESS_AVAILABLE(): the first line of a test parametrised by a transport (GetParam().transport):
// skipped with the reason where the transport cannot run on this machine, failed instead where the
// run requires it ($RPBENCH_REQUIRE_TRANSPORT: the verbs tests inside the Soft-RoCE VM).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "tests/transport/transport_bed.h"

#define SKIP_UNLESS_AVAILABLE()                                                                    \
  do {                                                                                             \
    const std::string why_ = ::rpbench::transport::testing::why_unavailable(GetParam().transport); \
    if (!why_.empty()) {                                                                           \
      if (::rpbench::transport::testing::required(GetParam().transport)) FAIL() << why_;           \
      GTEST_SKIP() << why_;                                                                        \
    }                                                                                              \
  } while (0)

// The memory node's shared secret: where it comes from, in one place. A token is given in the
// config (transport.token) or, else, in the environment variable RPBENCH_MEMNODE_TOKEN; it is
// never taken from a command line (argv is visible to every user of the machine).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status_or.h"

namespace rpbench {

inline constexpr const char* kTokenEnv = "RPBENCH_MEMNODE_TOKEN";
inline constexpr size_t kMaxTokenBytes = 32;

// `configured` when not empty, else $RPBENCH_MEMNODE_TOKEN, else "" (the caller decides whether
// that is an error or a reason to make a fresh one).
std::string token_or_env(std::string_view configured);

// Like token_or_env(), but a missing or over-long token is an error naming where to set it.
StatusOr<std::string> resolve_token(std::string_view configured);

// A fresh random token (hex, 32 characters) from getrandom(): what an own memory node gets when
// no token is configured. kIoError should getrandom() fail.
StatusOr<std::string> random_token();

}  // namespace rpbench

// The one errno helper: the text of an errno value, and a Status built from a failed system call.
#pragma once
#include <cerrno>
#include <string>
#include <string_view>

#include "base/status.h"

namespace rpbench {

// strerror(err), thread-safe ("No such file or directory").
std::string errno_text(int err = errno);

// An I/O error "<what>: <errno text>" (kTimeout for ETIMEDOUT, kResourceExhausted for ENOMEM and
// ENOSPC, kNotFound for ENOENT, kUnavailable for ECONNREFUSED / ECONNRESET / EPIPE / EHOSTUNREACH).
Status errno_status(std::string_view what, int err = errno);

}  // namespace rpbench

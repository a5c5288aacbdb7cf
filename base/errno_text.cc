#include "base/errno_text.h"

#include <cstring>

namespace rpbench {

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns the message (maybe not in buf).
  const char* s = ::strerror_r(err, buf, sizeof buf);
  return s != nullptr ? std::string(s) : "errno " + std::to_string(err);
}

Status errno_status(std::string_view what, int err) {
  std::string msg = std::string(what) + ": " + errno_text(err);
  switch (err) {
    case ETIMEDOUT: return Status::Timeout(std::move(msg));
    case ENOMEM:
    case ENOSPC: return Status::ResourceExhausted(std::move(msg));
    case ENOENT: return Status::NotFound(std::move(msg));
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case EHOSTUNREACH:
    case ENETUNREACH: return Status::Unavailable(std::move(msg));
    default: return Status::IoError(std::move(msg));
  }
}

}  // namespace rpbench

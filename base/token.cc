#include "base/token.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "base/errno_text.h"

namespace rpbench {

std::string token_or_env(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  const char* env = std::getenv(kTokenEnv);
  return env != nullptr ? std::string(env) : std::string();
}

StatusOr<std::string> resolve_token(std::string_view configured) {
  std::string t = token_or_env(configured);
  if (t.empty())
    return Status::InvalidArgument(std::string("no memory node token: set transport.token or $") + kTokenEnv);
  if (t.size() > kMaxTokenBytes)
    return Status::InvalidArgument("the memory node token is " + std::to_string(t.size()) + " bytes long, at most " +
                                   std::to_string(kMaxTokenBytes) + " are allowed");
  return t;
}

StatusOr<std::string> random_token() {
  uint8_t bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t r = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status("getrandom");
    }
    got += static_cast<size_t>(r);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace rpbench

#include "base/token.h"

#include <cstdlib>

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

}  // namespace rpbench

// Network endpoints as people write them: "HOST:PORT", or "[V6]:PORT" for an IPv6 address.
// Parsed in one place for every flag and field that takes one (the memory node, the redis
// engine's attach mode, the tcp and verbs transports), so all accept and refuse the same text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status_or.h"

namespace rpbench {

struct HostPort {
  std::string host;  // a name or an address; an IPv6 address without its brackets
  uint16_t port = 0;
};

// host non-empty (with brackets, "[...]" holding at least one character and no further ']');
// port decimal digits in 1..65535. An IPv6 address must be bracketed ("::1:80" is refused, since
// its last colon could be part of the address). kInvalidArgument quoting the text and saying
// what is wrong otherwise.
StatusOr<HostPort> parse_host_port(std::string_view text);

}  // namespace rpbench

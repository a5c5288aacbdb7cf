#include "base/host_port.h"

#include <charconv>
#include <utility>

namespace rpbench {
namespace {

Status bad(std::string_view text, std::string_view why) {
  std::string message = "'";  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "'" + string
  message.append(text).append("': ").append(why);
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

StatusOr<HostPort> parse_host_port(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad(text, "expected [IPV6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(text, "expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad(text, "an IPv6 address needs brackets: [ADDRESS]:PORT");
  }
  if (host.empty()) return bad(text, "expected HOST:PORT (the host is empty)");
  if (port.empty()) return bad(text, "expected HOST:PORT (the port is empty)");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
    return bad(text, "port '" + std::string(port) + "' is not a number in 1..65535");
  HostPort hp;
  hp.host = std::string(host);
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

}  // namespace rpbench

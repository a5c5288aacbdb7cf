#include "base/sizes.h"

#include <cctype>
#include <cstdio>

namespace rpbench {

namespace {
// 'text' (built by appending: GCC 12 warns falsely about "'" + std::string + "'").
std::string quote(std::string_view text) {
  std::string q;
  q.reserve(text.size() + 2);
  q += '\'';
  q += text;
  q += '\'';
  return q;
}
}  // namespace

StatusOr<uint64_t> parse_size(std::string_view text) {
  const std::string quoted = quote(text);
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - d) / 10) return Status::InvalidArgument("size " + quoted + " is too large");
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return Status::InvalidArgument("bad size " + quoted + " (expected e.g. 64M, 1G, 4096)");
  int shift = 0;
  const std::string_view suffix = text.substr(i);
  if (suffix.size() > 1) return Status::InvalidArgument("bad size " + quoted + " (suffix must be K, M, G or T)");
  if (suffix.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(suffix[0]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: return Status::InvalidArgument("bad size " + quoted + " (suffix must be K, M, G or T)");
    }
  }
  if (n == 0) return Status::InvalidArgument("size " + quoted + " must be > 0");
  if (shift > 0 && n > (UINT64_MAX >> shift)) return Status::InvalidArgument("size " + quoted + " is too large");
  return n << shift;
}

StatusOr<uint64_t> parse_count(std::string_view text, uint64_t min) {
  const std::string quoted = quote(text);
  uint64_t n = 0;
  if (text.empty()) return Status::InvalidArgument("expected a count, got an empty value");
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return Status::InvalidArgument("expected a whole number >= " + std::to_string(min) + ", got " + quoted);
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return Status::InvalidArgument("the count " + quoted + " is too large");
    n = n * 10 + d;
  }
  if (n < min) return Status::InvalidArgument("expected a whole number >= " + std::to_string(min) + ", got " + quoted);
  return n;
}

std::string format_size(uint64_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  int u = 0;
  double v = static_cast<double>(bytes);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (v == static_cast<double>(static_cast<uint64_t>(v))) {
    std::snprintf(buf, sizeof buf, "%.0f%s", v, units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
  }
  return buf;
}

std::string format_size_exact(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  uint64_t v = bytes;
  while (unit < 4 && v != 0 && v % 1024 == 0) {
    v /= 1024;
    ++unit;
  }
  return std::to_string(v) + " " + kUnits[unit];
}

}  // namespace rpbench

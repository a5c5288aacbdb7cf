#include "engines/redis/server_log.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace rpbench::redis {
namespace {

std::string_view line_at(std::string_view log, size_t pos) {
  const size_t b = log.rfind('\n', pos);
  const size_t begin = b == std::string_view::npos ? 0 : b + 1;
  const size_t e = log.find('\n', pos);
  return log.substr(begin, (e == std::string_view::npos ? log.size() : e) - begin);
}

bool parse_int(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<double> log_line_ms_of_day(std::string_view line) {
  // Fifth space-separated token: HH:MM:SS.mmm
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = line.find(' ', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  const size_t end = line.find(' ', pos);
  const std::string_view t = line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  if (t.size() != 12 || t[2] != ':' || t[5] != ':' || t[8] != '.') return std::nullopt;
  int h = 0, m = 0, s = 0, ms = 0;
  if (!parse_int(t.substr(0, 2), &h) || !parse_int(t.substr(3, 2), &m) || !parse_int(t.substr(6, 2), &s) ||
      !parse_int(t.substr(9, 3), &ms)) {
    return std::nullopt;
  }
  return ((h * 60.0 + m) * 60.0 + s) * 1000.0 + ms;
}

std::optional<BgsaveLogTimes> last_bgsave_times(std::string_view log) {
  constexpr std::string_view kStarted = "Background saving started by pid ";
  constexpr std::string_view kSaved = "DB saved on disk";
  size_t search_end = log.size();
  while (true) {
    const size_t at = log.rfind(kStarted, search_end);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view start_line = line_at(log, at);
    size_t digits = at + kStarted.size();
    size_t digits_end = digits;
    while (digits_end < log.size() && log[digits_end] >= '0' && log[digits_end] <= '9') ++digits_end;
    BgsaveLogTimes t;
    if (!parse_int(log.substr(digits, digits_end - digits), &t.child_pid)) return std::nullopt;
    // The child's own line: "<child pid>:C ... DB saved on disk", after the start line.
    const std::string prefix = std::to_string(t.child_pid) + ":C ";
    size_t p = at;
    while ((p = log.find(kSaved, p)) != std::string_view::npos) {
      const std::string_view saved_line = line_at(log, p);
      if (saved_line.substr(0, prefix.size()) == prefix) {
        const auto a = log_line_ms_of_day(start_line);
        const auto b = log_line_ms_of_day(saved_line);
        if (!a || !b) return std::nullopt;
        double d = *b - *a;
        if (d < 0) d += 24.0 * 3600 * 1000;  // crossed midnight
        t.child_ms = d;
        return t;
      }
      p += kSaved.size();
    }
    if (at == 0) return std::nullopt;
    search_end = at - 1;
  }
}

std::optional<double> last_load_seconds(std::string_view log) {
  constexpr std::string_view kLoaded = "DB loaded from disk: ";
  const size_t at = log.rfind(kLoaded);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string rest(line_at(log, at).substr(line_at(log, at).find(kLoaded) + kLoaded.size()));
  char* end = nullptr;
  const double s = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return std::nullopt;
  return s;
}

}  // namespace rpbench::redis

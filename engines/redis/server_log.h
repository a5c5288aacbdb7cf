// Figures read from redis-server's own log (managed mode): the log has millisecond timestamps,
// finer than INFO's rdb_last_bgsave_time_sec (whole seconds).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace rpbench::redis {

struct BgsaveLogTimes {
  int child_pid = -1;
  double child_ms = -1;  // "Background saving started by pid N" -> the child's "DB saved on disk"
};

// The newest BGSAVE in the log text whose child logged "DB saved on disk"; nullopt when there is
// none (or a timestamp does not parse).
std::optional<BgsaveLogTimes> last_bgsave_times(std::string_view log);

// Seconds from the newest "DB loaded from disk: X seconds" line; nullopt when absent.
std::optional<double> last_load_seconds(std::string_view log);

// Milliseconds since midnight of a log line "<pid>:<role> dd Mon yyyy HH:MM:SS.mmm <level> msg".
std::optional<double> log_line_ms_of_day(std::string_view line);

}  // namespace rpbench::redis

// Figures read from redis-server's log: BGSAVE child duration (ms) and load time.
#include "engines/redis/server_log.h"

#include <gtest/gtest.h>

namespace rpbench::redis {
namespace {

constexpr const char* kLog =
    "17711:M 23 Nov 2026 11:22:11.552 * The server is now ready to accept connections at /tmp/s.sock\n"
    "17711:M 23 Nov 2026 11:22:12.054 * Background saving started by pid 17719\n"
    "17719:C 23 Nov 2026 11:22:12.064 * DB saved on disk\n"
    "17719:C 23 Nov 2026 11:22:12.065 * Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB\n"
    "17711:M 23 Nov 2026 11:22:12.155 * Background saving terminated with success\n"
    "17711:M 23 Nov 2026 23:59:59.990 * Background saving started by pid 18000\n"
    "18000:C 24 Nov 2026 00:00:00.015 * DB saved on disk\n"
    "18100:M 24 Nov 2026 00:00:01.000 * DB loaded from disk: 0.125 seconds\n";

TEST(RedisServerLog, TimestampOfALine) {
  EXPECT_DOUBLE_EQ(*log_line_ms_of_day("17719:C 23 Nov 2026 11:22:12.064 * DB saved on disk"),
                   ((11 * 60 + 22) * 60 + 12) * 1000.0 + 64);
  EXPECT_FALSE(log_line_ms_of_day("garbage").has_value());
  EXPECT_FALSE(log_line_ms_of_day("1:C 23 Nov 2026 11:2x:12.064 * x").has_value());
}

TEST(RedisServerLog, NewestBgsaveAcrossMidnight) {
  const auto t = last_bgsave_times(kLog);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->child_pid, 18000);
  EXPECT_NEAR(t->child_ms, 25.0, 1e-9);
}

TEST(RedisServerLog, BgsaveWhoseChildHasNotFinishedIsSkipped) {
  const std::string log =
      std::string(kLog) + "17711:M 24 Nov 2026 00:00:02.000 * Background saving started by pid 19000\n";
  const auto t = last_bgsave_times(log);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->child_pid, 18000);
  const auto first =
      last_bgsave_times(std::string_view(kLog).substr(0, std::string_view(kLog).find("17711:M 23 Nov 2026 23")));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->child_pid, 17719);
  EXPECT_NEAR(first->child_ms, 10.0, 1e-9);
  EXPECT_FALSE(last_bgsave_times("no saves here\n").has_value());
}

TEST(RedisServerLog, LoadSeconds) {
  EXPECT_DOUBLE_EQ(*last_load_seconds(kLog), 0.125);
  EXPECT_FALSE(last_load_seconds("nothing\n").has_value());
}

}  // namespace
}  // namespace rpbench::redis

// INFO parsing: real server output, and malformed or missing fields giving errors, not zeros.
#include "engines/redis/info_parser.h"

#include <gtest/gtest.h>

#include "engines/redis/connection.h"
#include "engines/redis/server_process.h"
#include "redis_test_util.h"

namespace rpbench::redis {
namespace {

using testing::connect_test;
using testing::TempDir;

TEST(RedisInfoParser, ParsesRealServerOutput) {
  RPBENCH_REQUIRE_REDIS();
  TempDir dir;
  const auto server_owner = testing::start_test_server(dir.path());
  ServerProcess& server = *server_owner;
  auto conn = connect_test(server.port());
  Connection& c = *conn;
  ASSERT_TRUE(c.command({"SET", "a", "b"}));
  Reply r = c.command({"INFO", "everything"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  const InfoFields inf = InfoFields::parse(std::string_view(r->str, r->len));
  EXPECT_GT(inf.size(), 100u);
  EXPECT_EQ(inf.integer("process_id"), server.pid());
  EXPECT_EQ(inf.integer("tcp_port"), server.port());
  const std::string version = inf.str("redis_version");
  ASSERT_FALSE(version.empty());
  EXPECT_TRUE(version[0] >= '1' && version[0] <= '9') << version;
  EXPECT_NE(version.find('.'), std::string::npos) << version;
  EXPECT_EQ(inf.integer("rdb_bgsave_in_progress"), 0);
  EXPECT_EQ(inf.str("rdb_last_bgsave_status"), "ok");
  EXPECT_GE(inf.integer("latest_fork_usec"), 0);
  EXPECT_GT(inf.integer("used_memory"), 0);
  EXPECT_GE(inf.number("current_fork_perc"), 0.0);
  EXPECT_EQ(inf.str("db0").substr(0, 7), "keys=1,");
  // A decimal is not an integer.
  EXPECT_THROW(inf.integer("current_fork_perc"), std::runtime_error);
}

TEST(RedisInfoParser, SectionsCrlfAndValuesWithColons) {
  const InfoFields inf = InfoFields::parse(
      "# Server\r\nredis_version:7.0.15\r\nexecutable:/usr/bin/x\r\n\r\n"
      "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\nurl:a:b:c\r\n");
  EXPECT_EQ(inf.size(), 4u);
  EXPECT_EQ(inf.str("redis_version"), "7.0.15");
  EXPECT_EQ(inf.str("db0"), "keys=3,expires=0,avg_ttl=0");
  EXPECT_EQ(inf.str("url"), "a:b:c");
  EXPECT_FALSE(inf.has("Server"));
}

TEST(RedisInfoParser, MissingFieldIsAnErrorNamingIt) {
  const InfoFields inf = InfoFields::parse("rdb_saves:3\r\n");
  try {
    inf.integer("latest_fork_usec");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'latest_fork_usec' is missing"), std::string::npos) << e.what();
  }
  EXPECT_THROW(inf.str("nope"), std::runtime_error);
  EXPECT_THROW(inf.number("nope"), std::runtime_error);
  EXPECT_FALSE(inf.integer_if_present("nope").has_value());
  EXPECT_EQ(inf.integer_if_present("rdb_saves"), 3);
}

TEST(RedisInfoParser, MalformedValuesAreErrorsNotZero) {
  const InfoFields inf = InfoFields::parse("a:\r\nb:12x\r\nc:abc\r\nd:-5\r\ne:1.5e3\r\nf: 7\r\n");
  for (const char* k : {"a", "b", "c", "f"}) {
    try {
      inf.integer(k);
      FAIL() << k << " parsed as an integer";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + k + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("not an integer"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(inf.number("a"), std::runtime_error);
  EXPECT_THROW(inf.number("c"), std::runtime_error);
  EXPECT_THROW(inf.number_if_present("b"), std::runtime_error);
  EXPECT_EQ(inf.integer("d"), -5);
  EXPECT_DOUBLE_EQ(inf.number("e"), 1500.0);
}

TEST(RedisInfoParser, MalformedLinesAreRejected) {
  EXPECT_THROW(InfoFields::parse("ok:1\r\nno colon here\r\n"), std::runtime_error);
  EXPECT_THROW(InfoFields::parse(":value\r\n"), std::runtime_error);
  EXPECT_THROW(InfoFields::parse("a:1\r\na:2\r\n"), std::runtime_error);
  try {
    InfoFields::parse("ok:1\nbroken\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2 'broken'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rpbench::redis

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

// The value of a getter that must succeed.
template <class T>
T value_of(const StatusOr<T>& v) {
  EXPECT_TRUE(v.ok()) << v.status().message();
  return v.ok() ? *v : T();
}

// The message of a getter that must fail with kIoError.
template <class T>
std::string error_of(const StatusOr<T>& v) {
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kIoError);
  return v.status().message();
}

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
  const InfoFields inf = value_of(InfoFields::parse(std::string_view(r->str, r->len)));
  EXPECT_GT(inf.size(), 100u);
  EXPECT_EQ(value_of(inf.integer("process_id")), server.pid());
  EXPECT_EQ(value_of(inf.integer("tcp_port")), server.port());
  const std::string version = value_of(inf.str("redis_version"));
  ASSERT_FALSE(version.empty());
  EXPECT_TRUE(version[0] >= '1' && version[0] <= '9') << version;
  EXPECT_NE(version.find('.'), std::string::npos) << version;
  EXPECT_EQ(value_of(inf.integer("rdb_bgsave_in_progress")), 0);
  EXPECT_EQ(value_of(inf.str("rdb_last_bgsave_status")), "ok");
  EXPECT_GE(value_of(inf.integer("latest_fork_usec")), 0);
  EXPECT_GT(value_of(inf.integer("used_memory")), 0);
  EXPECT_GE(value_of(inf.number("current_fork_perc")), 0.0);
  EXPECT_EQ(value_of(inf.str("db0")).substr(0, 7), "keys=1,");
  // A decimal is not an integer.
  EXPECT_NE(error_of(inf.integer("current_fork_perc")).find("not an integer"), std::string::npos);
}

TEST(RedisInfoParser, SectionsCrlfAndValuesWithColons) {
  const InfoFields inf =
      value_of(InfoFields::parse("# Server\r\nredis_version:7.0.15\r\nexecutable:/usr/bin/x\r\n\r\n"
                                 "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\nurl:a:b:c\r\n"));
  EXPECT_EQ(inf.size(), 4u);
  EXPECT_EQ(value_of(inf.str("redis_version")), "7.0.15");
  EXPECT_EQ(value_of(inf.str("db0")), "keys=3,expires=0,avg_ttl=0");
  EXPECT_EQ(value_of(inf.str("url")), "a:b:c");
  EXPECT_FALSE(inf.has("Server"));
}

TEST(RedisInfoParser, MissingFieldIsAnErrorNamingIt) {
  const InfoFields inf = value_of(InfoFields::parse("rdb_saves:3\r\n"));
  const std::string msg = error_of(inf.integer("latest_fork_usec"));
  EXPECT_NE(msg.find("'latest_fork_usec' is missing"), std::string::npos) << msg;
  error_of(inf.str("nope"));
  error_of(inf.number("nope"));
  EXPECT_FALSE(value_of(inf.integer_if_present("nope")).has_value());
  EXPECT_EQ(value_of(inf.integer_if_present("rdb_saves")), 3);
}

TEST(RedisInfoParser, MalformedValuesAreErrorsNotZero) {
  const InfoFields inf = value_of(InfoFields::parse("a:\r\nb:12x\r\nc:abc\r\nd:-5\r\ne:1.5e3\r\nf: 7\r\n"));
  for (const char* k : {"a", "b", "c", "f"}) {
    const std::string msg = error_of(inf.integer(k));
    EXPECT_NE(msg.find(std::string("'") + k + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not an integer"), std::string::npos) << msg;
  }
  error_of(inf.number("a"));
  error_of(inf.number("c"));
  error_of(inf.number_if_present("b"));
  EXPECT_EQ(value_of(inf.integer("d")), -5);
  EXPECT_DOUBLE_EQ(value_of(inf.number("e")), 1500.0);
}

TEST(RedisInfoParser, MalformedLinesAreRejected) {
  error_of(InfoFields::parse("ok:1\r\nno colon here\r\n"));
  error_of(InfoFields::parse(":value\r\n"));
  error_of(InfoFields::parse("a:1\r\na:2\r\n"));
  const std::string msg = error_of(InfoFields::parse("ok:1\nbroken\n"));
  EXPECT_NE(msg.find("line 2 'broken'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace rpbench::redis

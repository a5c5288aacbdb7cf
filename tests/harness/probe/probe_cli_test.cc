// `rpbench probe`: bad flags exit 2 with one line on stderr; tiny real runs write results with the
// documented keys. "ProbeCliArgs" tests only parse (label unit); "OsProbeCli" tests fork and read
// /proc (label os).
#include "harness/probe/probe_cli.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rpbench {
namespace {

int run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return probe_main(static_cast<int>(args.size()), argv.data());
}

// Runs and returns {exit code, stderr}.
std::pair<int, std::string> run_capturing_stderr(std::vector<std::string> args) {
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  const int rc = run(std::move(args));
  (void)testing::internal::GetCapturedStdout();
  return {rc, testing::internal::GetCapturedStderr()};
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rpbench-probe-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(ProbeCliArgs, BadFlagsReturnTwoWithOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {"probe"},
      {"probe", "nope"},
      {"probe", "fork", "--bogus"},
      {"probe", "fork", "stray"},
      {"probe", "fork", "--sizes", "12Q"},
      {"probe", "fork", "--sizes", "abc"},
      {"probe", "fork", "--sizes", "64M,,1G"},
      {"probe", "fork", "--sizes", "0"},
      {"probe", "fork", "--sizes", "100T"},
      {"probe", "fork", "--repeats", "0"},
      {"probe", "fork", "--repeats", "x"},
      {"probe", "fork", "--warmup", "maybe"},
      {"probe", "fork", "--sizes", "-5M"},
      {"probe", "fork", "--out", ""},
      {"probe", "faults", "--out", ""},
      {"probe", "faults", "--pages", "-5"},
      {"probe", "faults", "--pages", "abc"},
      {"probe", "faults", "--thp-pages", "0"},
      {"probe", "faults", "--pages", "64", "--cow-k", "65"},
      {"probe", "faults", "--pages", "64", "--cow-k", "1,-2"},
      {"probe", "faults", "--pages", "1000000000000"},
  };
  for (const auto& args : bad) {
    const auto [rc, err] = run_capturing_stderr(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(rc, 2) << joined;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << joined << ": " << err;
  }
}

TEST(ProbeCliArgs, HelpReturnsZero) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"probe", "--help"}, {"probe", "fork", "--help"}, {"probe", "faults", "-h"}}) {
    testing::internal::CaptureStdout();
    const int rc = run(args);
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(rc, 0);
    EXPECT_NE(out.find("rpbench probe"), std::string::npos) << out;
  }
}

TEST(OsProbeCli, TinyForkRunWritesTheDocumentedKeys) {
  TempDir dir;
  const std::string out = dir.file("sub/fork.json");
  testing::internal::CaptureStdout();
  const int rc = run({"probe", "fork", "--sizes", "8M", "--repeats", "2", "--thp", "--warmup", "both", "--out", out});
  const std::string table = testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0) << table;
  EXPECT_NE(table.find("us_per_GiB"), std::string::npos);
  const auto j = read_json(out);
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_EQ(j.at("kind"), "probe-fork");
  EXPECT_EQ(j.at("context").at("memory_warmup"), "both");
  EXPECT_TRUE(j.at("context").contains("steal_ms"));
  EXPECT_EQ(j.at("config").at("sizes_bytes"), nlohmann::json::array({8 << 20}));
  EXPECT_EQ(j.at("config").at("repeats"), 2);
  EXPECT_EQ(j.at("config").at("thp"), true);
  const auto& cases = j.at("probe").at("fork");
  ASSERT_EQ(cases.size(), 4u);  // {4k, thp} x {warmup off, on}
  int thp_cases = 0;
  for (const auto& c : cases) {
    for (const char* k :
         {"size_bytes", "pages", "thp_used", "warmup", "repeats", "fork_us", "fork_us_median", "us_per_gb"}) {
      EXPECT_TRUE(c.contains(k)) << k;
    }
    EXPECT_EQ(c.at("size_bytes"), 8 << 20);
    EXPECT_EQ(c.at("fork_us").size(), 2u);
    EXPECT_GT(c.at("fork_us_median").get<double>(), 0.0);
    thp_cases += c.at("pages") == "thp";
    if (c.at("pages") == "4k") {
      EXPECT_EQ(c.at("thp_used"), false);
    }
  }
  EXPECT_EQ(thp_cases, 2);
}

TEST(OsProbeCli, TinyFaultsRunWritesTheDocumentedKeys) {
  TempDir dir;
  const std::string out = dir.file("faults.json");
  testing::internal::CaptureStdout();
  const int rc = run({"probe", "faults", "--pages", "64", "--thp-pages", "2", "--warmup", "off", "--out", out});
  const std::string table = testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0) << table;
  const auto j = read_json(out);
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_EQ(j.at("kind"), "probe-faults");
  EXPECT_EQ(j.at("context").at("memory_warmup"), "off");
  EXPECT_TRUE(j.at("context").contains("steal_ms"));
  EXPECT_EQ(j.at("config").at("pages"), 64);
  std::vector<std::string> names;
  for (const auto& f : j.at("probe").at("faults")) {
    for (const char* k : {"case", "warmup", "count", "total_ns", "latency"}) EXPECT_TRUE(f.contains(k)) << k;
    EXPECT_EQ(f.at("warmup"), false);
    EXPECT_EQ(f.at("count"), f.at("latency").at("count"));
    for (const char* k :
         {"count", "min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "buckets"}) {
      EXPECT_TRUE(f.at("latency").contains(k)) << k;
    }
    names.push_back(f.at("case"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"first_touch_4k", "prefaulted_write_4k", "cow_4k", "first_touch_thp",
                                             "cow_thp_first", "cow_thp_rest"}));
  const auto& rel = j.at("probe").at("cow_relation");
  ASSERT_FALSE(rel.empty());
  for (const auto& p : rel) {
    for (const char* k : {"pages_written", "parent_minflt", "private_dirty_bytes"}) EXPECT_TRUE(p.contains(k)) << k;
    EXPECT_GE(p.at("parent_minflt").get<int64_t>(), p.at("pages_written").get<int64_t>());
  }
  EXPECT_EQ(rel.back().at("pages_written"), 64);
}

}  // namespace
}  // namespace rpbench

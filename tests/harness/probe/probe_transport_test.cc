// `rpbench probe transport` through the real binary: a tiny run on shm and on tcp (auto memory
// node) writes a schema-valid result whose figures hold together (positive bandwidths,
// ratio_to_baseline = gb_per_s / baseline, ordered latency percentiles, a summary per op); bad
// flags exit 2 with one line on stderr; an unreachable node or a missing RDMA device exits 1 with
// the reason. No speed is asserted.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ProbeRun {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ProbeTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rpbench-probe-transport-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `rpbench probe transport ARGS` (arguments must need no shell quoting).
  ProbeRun probe(const std::vector<std::string>& args, const std::string& env = "") {
    return probe_named("transport", args, env);
  }
  // Runs `rpbench probe NAME ARGS`.
  ProbeRun probe_named(const std::string& name, const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = env + (env.empty() ? "" : " ") + RPBENCH_BINARY " probe " + name;
    for (const auto& a : args) cmd += " '" + a + "'";
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    cmd += " >" + out.string() + " 2>" + err.string();
    const int st = std::system(cmd.c_str());
    ProbeRun r;
    if (st != -1 && WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  // validate_results.py: the schema plus the histogram relations.
  void expect_schema_valid(const fs::path& result) {
    const std::string cmd = "/usr/bin/python3 " RPBENCH_SOURCE_DIR "/scripts/validate_results.py " + result.string() +
                            " >" + (dir_ / "validate").string() + " 2>&1";
    const int st = std::system(cmd.c_str());
    EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) << slurp(dir_ / "validate");
  }

  // A tiny sweep: 2 sizes x 2 channel counts x 2 queue depths x 2 ops, short points.
  json tiny_run(const std::string& type, std::vector<std::string> extra = {}) {
    const fs::path result = dir_ / ("transport-" + type + ".json");
    std::vector<std::string> args{"--type",
                                  type,
                                  "--sizes",
                                  "4K,1M",
                                  "--channels",
                                  "1,2",
                                  "--queue-depth",
                                  "1,4",
                                  "--seconds-per-point",
                                  "0.02",
                                  "--lat-samples",
                                  "30",
                                  "--region-bytes",
                                  "8M",
                                  "--out",
                                  result.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProbeRun r = probe(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote " + result.string()), std::string::npos) << r.out;
    if (r.exit_code != 0) return json();
    expect_schema_valid(result);
    std::ifstream in(result);
    return json::parse(in);
  }

  // What every tiny run must satisfy, baseline or not.
  void check_common(const json& doc, const std::string& type) {
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["kind"], "probe-transport");
    EXPECT_EQ(doc["context"]["transport"], type);
    const json& p = doc["probe"];
    EXPECT_EQ(p["transport"]["type"], type);
    EXPECT_EQ(p["transport"]["memnode"], "auto");
    EXPECT_EQ(p["transport"]["region_allocation"], "lazy");
    EXPECT_GE(p["transport"]["region_bytes"].get<uint64_t>(), 8u << 20);
    EXPECT_NE(p["transport"]["description"].get<std::string>().find(type), std::string::npos);

    ASSERT_EQ(p["bandwidth"].size(), 16u);  // 2 ops x 2 sizes x 2 channel counts x 2 queue depths
    std::map<std::string, int> per_op;
    for (const json& b : p["bandwidth"]) {
      per_op[b["op"]]++;
      EXPECT_GT(b["gb_per_s"].get<double>(), 0) << b;
      EXPECT_GT(b["transfers_per_s"].get<double>(), 0) << b;
      EXPECT_GE(b["transfers"].get<uint64_t>(), 4u) << b;  // at least a few transfers per point
      EXPECT_EQ(b["bytes"].get<uint64_t>(), b["transfers"].get<uint64_t>() * b["size_bytes"].get<uint64_t>());
      EXPECT_NEAR(b["gb_per_s"].get<double>(), b["bytes"].get<double>() / b["seconds"].get<double>() / 1e9,
                  1e-9 * b["gb_per_s"].get<double>());
    }
    EXPECT_EQ(per_op["write"], 8);
    EXPECT_EQ(per_op["read"], 8);

    ASSERT_EQ(p["latency"].size(), 4u);  // 2 ops x 2 sizes, queue depth 1, one channel
    for (const json& l : p["latency"]) {
      EXPECT_EQ(l["channels"], 1);
      EXPECT_EQ(l["queue_depth"], 1);
      const json& h = l["latency"];
      EXPECT_GE(h["count"].get<uint64_t>(), 5u) << l;
      EXPECT_LE(h["count"].get<uint64_t>(), 30u) << l;
      EXPECT_LE(h["p50_ns"].get<double>(), h["p99_ns"].get<double>()) << l;
      EXPECT_LE(h["p99_ns"].get<double>(), h["max_ns"].get<double>()) << l;
      EXPECT_GT(h["min_ns"].get<double>(), 0) << l;
    }
    ASSERT_EQ(p["summary"].size(), 2u);
  }

  // With a baseline: each point's ratio is its bandwidth over the baseline of its size.
  void check_baseline(const json& doc, const std::string& kind, double target) {
    const json& p = doc["probe"];
    ASSERT_TRUE(p["baseline"].is_object());
    EXPECT_EQ(p["baseline"]["kind"], kind);
    EXPECT_TRUE(p["baseline_reason"].is_null());
    std::map<uint64_t, double> base;
    for (const json& b : p["baseline"]["points"]) {
      EXPECT_GT(b["gb_per_s"].get<double>(), 0) << b;
      EXPECT_GE(b["transfers"].get<uint64_t>(), 4u) << b;
      // The baseline reads the memory the judged (deepest-queue, here 4) points read: one local
      // slot per outstanding transfer, as many as fit in the local buffer.
      const uint64_t local_bytes = p["transport"]["local_buffer_bytes"];
      EXPECT_EQ(b["source_slots"].get<uint64_t>(), std::min<uint64_t>(4, local_bytes / b["size_bytes"].get<uint64_t>()))
          << b;
      base[b["size_bytes"]] = b["gb_per_s"];
      // The sanity line: the plainest copy of the same size, for memcpy only.
      if (kind == "memcpy") {
        EXPECT_GT(b["plain_memcpy_gb_per_s"].get<double>(), 0) << b;
      } else {
        EXPECT_TRUE(b["plain_memcpy_gb_per_s"].is_null()) << b;
      }
    }
    ASSERT_EQ(base.size(), 2u);
    for (const json& b : p["bandwidth"]) {
      const double expected_base = base.at(b["size_bytes"]);
      EXPECT_DOUBLE_EQ(b["baseline_gb_per_s"].get<double>(), expected_base) << b;
      EXPECT_NEAR(b["ratio_to_baseline"].get<double>(), b["gb_per_s"].get<double>() / expected_base,
                  1e-9 * b["ratio_to_baseline"].get<double>())
          << b;
    }
    for (const json& s : p["summary"]) {
      ASSERT_EQ(s["best_per_size"].size(), 2u);
      double best_large = 0;
      for (const json& b : p["bandwidth"])
        if (b["op"] == s["op"] && b["size_bytes"] == 1 << 20)
          best_large = std::max(best_large, b["gb_per_s"].get<double>());
      EXPECT_DOUBLE_EQ(s["best_per_size"][1]["gb_per_s"].get<double>(), best_large);
      EXPECT_EQ(s["largest_size_bytes"], 1 << 20);
      // The target is judged on one configuration fixed in advance (fewest channels, deepest
      // queue), not on the best of several.
      const int jc = s["judged_channels"], jq = s["judged_queue_depth"];
      double judged_large = -1;
      for (const json& b : p["bandwidth"]) {
        EXPECT_GE(b["channels"].get<int>(), jc);
        EXPECT_LE(b["queue_depth"].get<int>(), jq);
        if (b["op"] == s["op"] && b["size_bytes"] == 1 << 20 && b["channels"] == jc && b["queue_depth"] == jq)
          judged_large = b["ratio_to_baseline"].get<double>();
      }
      EXPECT_DOUBLE_EQ(s["ratio_at_largest_size"].get<double>(), judged_large);
      // One size >= 1 MiB: its median is that size's ratio.
      EXPECT_DOUBLE_EQ(s["median_ratio_min_1mib"].get<double>(), s["ratio_at_largest_size"].get<double>());
      if (s["op"] == "write") {
        EXPECT_DOUBLE_EQ(s["target_ratio"].get<double>(), target);
        EXPECT_EQ(s["target_met"].get<bool>(), s["median_ratio_min_1mib"].get<double>() >= target);
        EXPECT_TRUE(s["target_note"].is_null()) << s;
      } else {
        EXPECT_TRUE(s["target_ratio"].is_null());
        EXPECT_TRUE(s["target_met"].is_null());
      }
    }
  }

  fs::path dir_;
};

TEST_F(ProbeTransportTest, ShmTinyRunIsValidAndConsistent) {
  const json doc = tiny_run("shm");
  check_common(doc, "shm");
  check_baseline(doc, "memcpy", 0.80);
  EXPECT_TRUE(doc["probe"]["transport"]["link_model"].is_null());
}

TEST_F(ProbeTransportTest, TcpTinyRunIsValidAndConsistent) {
  const json doc = tiny_run("tcp");
  check_common(doc, "tcp");
  check_baseline(doc, "socket_stream", 0.70);
}

TEST_F(ProbeTransportTest, ShmLinkModelIsRecordedAndNoBaselineSaysWhy) {
  const json doc = tiny_run("shm", {"--no-baseline", "--link-gbps", "100", "--link-latency-us", "1"});
  check_common(doc, "shm");
  const json& p = doc["probe"];
  EXPECT_TRUE(p["baseline"].is_null());
  EXPECT_NE(p["baseline_reason"].get<std::string>().find("--no-baseline"), std::string::npos);
  EXPECT_DOUBLE_EQ(p["transport"]["link_model"]["bandwidth_gbps"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(p["transport"]["link_model"]["latency_us"].get<double>(), 1);
  for (const json& b : p["bandwidth"]) {
    EXPECT_TRUE(b["ratio_to_baseline"].is_null());
    EXPECT_TRUE(b["baseline_gb_per_s"].is_null());
  }
  // 1 us added per operation: no transfer completes sooner.
  for (const json& l : p["latency"]) EXPECT_GE(l["latency"]["min_ns"].get<double>(), 1000) << l;
  for (const json& s : p["summary"]) {
    EXPECT_TRUE(s["target_met"].is_null());
    EXPECT_TRUE(s["target_ratio"].is_null()) << "a shaped link is not judged against memcpy";
    if (s["op"] == "write") {
      EXPECT_NE(s["target_note"].get<std::string>().find("link model"), std::string::npos) << s;
    }
  }
}

TEST_F(ProbeTransportTest, BadFlagsExit2WithOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {},                                                              // --type missing
      {"--type", "ib"},                                                // unknown transport
      {"--type", "shm", "--sizes", "4K,,8K"},                          // empty item
      {"--type", "shm", "--sizes", "4Q"},                              // bad suffix
      {"--type", "shm", "--sizes", "0"},                               // zero size
      {"--type", "shm", "--sizes", "512M", "--region-bytes", "256M"},  // larger than the region
      {"--type", "tcp", "--channels", "0"},
      {"--type", "tcp", "--channels", "1,x"},
      {"--type", "tcp", "--queue-depth", "-1"},
      {"--type", "tcp", "--ops", "write,erase"},
      {"--type", "tcp", "--seconds-per-point", "0"},
      {"--type", "tcp", "--seconds-per-point", "abc"},
      {"--type", "tcp", "--link-gbps", "10"},  // link model is shm only
      {"--type", "shm", "--link-latency-us", "-1"},
      {"--type", "shm", "--lat-samples", "0"},
      {"--type", "shm", "--memnode", "127.0.0.1:9"},                             // shm needs unix:PATH
      {"--type", "tcp", "--memnode", "localhost"},                               // no port
      {"--type", "tcp", "--memnode", "127.0.0.1:0"},                             // port out of range
      {"--type", "tcp", "--memnode", "127.0.0.1:7000", "--region-bytes", "8M"},  // not the probe's node
      {"--type", "tcp", "--memnode", "127.0.0.1:7000", "--prefault"},
      {"--type", "shm", "--link-gbps", "1e9"},  // the config's ranges
      {"--type", "shm", "--link-latency-us", "2e6"},
      {"--type", "tcp", "--region-bytes", "4K"},
      {"--type", "tcp", "--bogus-flag"},
      {"--type", "tcp", "--out", ""},
  };
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    const ProbeRun r = probe(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line on stderr: " << r.err;
    EXPECT_EQ(r.err.rfind("rpbench probe transport: ", 0), 0u) << r.err;
  }
}

// A queue depth the transports cannot keep outstanding is refused before anything starts, rather
// than measured at a lower depth than the result would say.
TEST_F(ProbeTransportTest, QueueDepthBeyondTheTransportsIsRefused) {
  const fs::path result = dir_ / "deep.json";
  const ProbeRun r = probe({"--type", "tcp", "--sizes", "64M", "--region-bytes", "64M", "--channels", "1",
                            "--queue-depth", "1024", "--out", result.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("lower --queue-depth"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(result));
}

// `rpbench probe pingpong`: a tiny run of both fork modes with and without pre-faulted buffers on
// shm and tcp writes a valid result whose ratios are the ratios of its own figures.
TEST_F(ProbeTransportTest, PingpongTinyRunIsValidAndConsistent) {
  for (const std::string type : {"shm", "tcp"}) {
    const fs::path result = dir_ / ("pingpong-" + type + ".json");
    const ProbeRun r = probe_named("pingpong", {"--type", type, "--keys", "3000", "--buffer-bytes", "64K", "--repeats",
                                                "1", "--prefault-buffers", "on,off", "--out", result.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote " + result.string()), std::string::npos) << r.out;
    expect_schema_valid(result);
    std::ifstream in(result);
    const json doc = json::parse(in);
    EXPECT_EQ(doc["kind"], "probe-pingpong");
    EXPECT_NE(doc["transport"].get<std::string>().find(type), std::string::npos) << doc["transport"];
    const json& p = doc["probe"];
    const double serialize = p["serialize_baseline"]["fork_child_mb_per_s"].get<double>();
    const double write = p["write_baseline"]["mb_per_s"].get<double>();
    EXPECT_GT(serialize, 0);
    EXPECT_GT(write, 0);
    ASSERT_EQ(p["snapshots"].size(), 4u);  // 2 fork modes x prefault on/off
    for (const json& s : p["snapshots"]) {
      EXPECT_GT(s["mb_per_s"].get<double>(), 0) << s;
      EXPECT_NEAR(s["ratio_to_min_baseline"].get<double>(), s["mb_per_s"].get<double>() / std::min(serialize, write),
                  1e-9 * s["ratio_to_min_baseline"].get<double>());
      EXPECT_EQ(s["overlap_target_met"].get<bool>(), s["overlap_ratio"].get<double>() <= 1.15) << s;
      ASSERT_EQ(s["snapshots"].size(), 1u);
      EXPECT_EQ(s["snapshots"][0]["transport"], type);
      EXPECT_EQ(s["snapshots"][0]["fork_mode"], s["fork_mode"]);
      EXPECT_EQ(s["snapshots"][0]["prefault_buffers"], s["prefault_buffers"]);
    }
  }
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--buffers", "1"},
                                              {"--type", "verbz"},
                                              {"--fork-modes", "both"},
                                              {"--prefault-buffers", "maybe"},
                                              {"--keys", "0"},
                                              {"--buffer-bytes", "1K"},
                                              {"--type", "tcp", "--link-gbps", "5"},
                                              {"--repeats", "0"},
                                              {"--bogus"}}) {
    const ProbeRun r = probe_named("pingpong", bad);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad[0] << ": " << r.err;
  }
}

TEST_F(ProbeTransportTest, HelpExits0) {
  const ProbeRun r = probe({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--queue-depth"), std::string::npos);
  EXPECT_NE(r.out.find("10^9"), std::string::npos);
}

TEST_F(ProbeTransportTest, UnreachableNodeFailsWithTheAddress) {
  const fs::path result = dir_ / "unreachable.json";
  const ProbeRun r = probe({"--type", "tcp", "--memnode", "127.0.0.1:1", "--connect-timeout-ms", "500", "--no-baseline",
                            "--out", result.string()},
                           "RPBENCH_MEMNODE_TOKEN=0123456789abcdef");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(result));
}

// This machine has no RDMA device (the verbs tests run in the Soft-RoCE VM): the probe fails with
// the reason, never a crash, and writes nothing.
TEST_F(ProbeTransportTest, VerbsWithoutDeviceFailsCleanly) {
  if (fs::exists("/sys/class/infiniband") && !fs::is_empty("/sys/class/infiniband"))
    GTEST_SKIP() << "an RDMA device is present: this test is about a machine without one";
  const fs::path result = dir_ / "verbs.json";
  const ProbeRun r =
      probe({"--type", "verbs", "--connect-timeout-ms", "1000", "--sizes", "4K", "--out", result.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("rpbench probe transport: ", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(result));
}

}  // namespace

#include "harness/probe/probe_pingpong.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/config_error.h"
#include "base/meminfo.h"
#include "base/sizes.h"
#include "base/unique_fd.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdma_pingpong/pingpong_engine.h"
#include "engines/rdma_pingpong/stream_sink.h"
#include "harness/context.h"
#include "harness/probe/probe_flags.h"
#include "harness/probe/probe_transport_points.h"
#include "harness/result_io.h"
#include "measure/clock.h"
#include "workloads/keys.h"
#include "workloads/values.h"

namespace rpbench::probe {

namespace po = boost::program_options;
using nlohmann::json;
using pingpong::ForkMode;

namespace {

struct Flags {
  std::string type = "shm", buffer_bytes = "4M", modes = "child-connect,parent-posts", prefault = "on", out;
  long long keys = 1000000;
  int key_size = 16, value_size = 100, buffers = 2, channels = 1, repeats = 3;
  double link_gbps = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The sink's port when nothing is sent: every buffer handed on is free again at once.
class MemoryPort final : public pingpong::BufferPort {
 public:
  explicit MemoryPort(int buffers) {
    for (int i = 0; i < buffers; ++i) free_.push_back(i);
  }
  Status send(int index, uint64_t, uint64_t) override {
    free_.push_back(index);
    return Status::Ok();
  }
  StatusOr<int> acquire() override {
    const int i = free_.front();
    free_.pop_front();
    return i;
  }
  Status finish() override { return Status::Ok(); }
  Status commit(const remote::SlotHeader&) override { return Status::Ok(); }

 private:
  std::deque<int> free_;
};

// One pass of the stream into fresh, pre-faulted buffers: MB/s (0 on failure), bytes in *bytes.
double serialize_once(const kvstore::KvStore& store, const Flags& f, uint64_t each, int64_t* bytes) {
  StatusOr<remote::StreamBuffers> b = remote::StreamBuffers::create(f.buffers, each, false, true);
  if (!b.ok()) return 0;
  MemoryPort port(f.buffers);
  pingpong::StreamSink sink(*b, &port, UINT64_MAX, 0);
  rdb::RdbWriterOptions w;
  w.ctime = 0;
  const uint64_t t0 = measure::now_ns();
  const rdb::RdbWriteResult res = rdb::write_rdb(store, &sink, w);
  const double s = static_cast<double>(measure::now_ns() - t0) / 1e9;
  if (!res.status.ok() || s <= 0) return 0;
  *bytes = res.bytes;
  return static_cast<double>(res.bytes) / 1e6 / s;
}

// The same pass in a fork child, as the snapshot child makes it (its first pass over the store
// after fork() is slower than the parent's: that cost is the fork's, not the pipeline's).
double serialize_in_fork_child(const kvstore::KvStore& store, const Flags& f, uint64_t each) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
  UniqueFd rd(fds[0]), wr(fds[1]);
  StatusOr<ChildProcess> c = ChildProcess::fork(
      [&]() -> int {
        int64_t bytes = 0;
        const double mbs = serialize_once(store, f, each, &bytes);
        return ::write(wr.get(), &mbs, sizeof mbs) == static_cast<ssize_t>(sizeof mbs) ? 0 : 1;
      },
      SIGKILL);
  if (!c.ok()) return 0;
  wr.reset();
  double mbs = 0;
  if (::read(rd.get(), &mbs, sizeof mbs) != static_cast<ssize_t>(sizeof mbs)) mbs = 0;
  (void)c->wait_for(std::chrono::seconds(600));
  return mbs;
}

// MB/s of the stream written into the buffers, in this process and in a fork child; medians of `repeats`.
StatusOr<json> serialize_baseline(const kvstore::KvStore& store, const Flags& f, uint64_t each) {
  std::vector<double> here, child;
  int64_t bytes = 0;
  for (int r = 0; r < f.repeats; ++r) {
    here.push_back(serialize_once(store, f, each, &bytes));
    child.push_back(serialize_in_fork_child(store, f, each));
    if (here.back() <= 0 || child.back() <= 0) return Status::Internal("serializing the store into memory failed");
  }
  return json{{"bytes", bytes},
              {"mb_per_s", median(here)},
              {"runs_mb_per_s", here},
              {"fork_child_mb_per_s", median(child)},
              {"fork_child_runs_mb_per_s", child}};
}

// `rpbench probe transport`'s write bandwidth point at one buffer's size, N outstanding.
StatusOr<json> write_baseline(pingpong::PingpongEngine& e, const Flags& f, uint64_t each) {
  StatusOr<std::unique_ptr<transport::Transport>> t = e.remote().connect_again();
  if (!t.ok()) return t.status();
  StatusOr<remote::StreamBuffers> b = remote::StreamBuffers::create(f.buffers, each, false, true);
  if (!b.ok()) return b.status();
  LocalBuffer lb;
  lb.bytes = b->total_bytes();
  if (Status s = (*t)->register_buffer(b->data(), b->total_bytes(), &lb.id); !s.ok()) return s;
  StatusOr<BandwidthPoint> p = measure_bandwidth(**t, lb, transport::Op::kWrite, each, f.buffers, 1.0, 8);
  (void)(*t)->deregister_buffer(lb.id);
  if (!p.ok()) return p.status();
  return json{{"size_bytes", each},
              {"queue_depth", f.buffers},
              {"channels", f.channels},
              {"transfers", p->transfers},
              {"mb_per_s", p->gb_per_s() * 1e3}};
}

void load(pingpong::PingpongEngine& e, const Flags& f) {
  std::vector<char> key(static_cast<size_t>(f.key_size)), value(static_cast<size_t>(f.value_size));
  for (long long i = 0; i < f.keys; ++i) {
    workloads::make_key(static_cast<uint64_t>(i), static_cast<uint32_t>(f.key_size), key.data());
    workloads::fill_value(static_cast<uint64_t>(i), 0, 42, value.data(), value.size());
    if (Status s = e.put(std::string_view(key.data(), key.size()), std::string_view(value.data(), value.size()));
        !s.ok())
      throw std::runtime_error(s.to_string());
  }
}

StatusOr<SnapshotReport> snapshot(pingpong::PingpongEngine& e) {
  if (Status s = e.begin_snapshot(); !s.ok()) return s;
  for (;;) {
    if (std::optional<SnapshotReport> r = e.poll_snapshot()) {
      if (!r->ok()) return r->status;
      return *r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

Status run_pingpong_probe_command(int argc, char** argv) {
  Flags f;
  po::options_description desc("rpbench probe pingpong flags");
  desc.add_options()("help,h", "show this help")("type", po::value(&f.type)->default_value(f.type),
                                                 "transport of the auto memory node: shm, tcp or verbs")(
      "keys", po::value(&f.keys)->default_value(f.keys), "keys in the store (>= 1)")(
      "key-size", po::value(&f.key_size)->default_value(f.key_size), "bytes per key (8..1024)")(
      "value-size", po::value(&f.value_size)->default_value(f.value_size), "bytes per value (1..1048576)")(
      "buffers", po::value(&f.buffers)->default_value(f.buffers), "engine.buffers (2..64)")(
      "buffer-bytes", po::value(&f.buffer_bytes)->default_value(f.buffer_bytes), "engine.buffer_bytes (64K..1G)")(
      "channels", po::value(&f.channels)->default_value(f.channels), "transport.channels (1..64)")(
      "fork-modes", po::value(&f.modes)->default_value(f.modes),
      "child-connect, parent-posts or both (comma-separated)")(
      "prefault-buffers", po::value(&f.prefault)->default_value(f.prefault),
      "engine.prefault_buffers: on, off or on,off (each fork mode runs with each)")(
      "link-gbps", po::value(&f.link_gbps)->default_value(0), "shm link model: bandwidth cap in Gbit/s (0: none)")(
      "repeats", po::value(&f.repeats)->default_value(f.repeats),
      "runs of each measurement (1..50); medians are reported")(
      "out", po::value(&f.out), "result file (default results/probe/pingpong-<type>.json)");
  po::variables_map vm;
  if (!parse_flags(argc, argv, desc, vm,
                   "Usage: rpbench probe pingpong [flags]\n"
                   "The rdma-pingpong snapshot stream against the stream serialized into memory and the transport's\n"
                   "write bandwidth at one buffer's size, measured in the same run.\n"))
    return Status::Ok();
  const uint64_t each = parse_size_flag(f.buffer_bytes);
  if (f.keys < 1) throw config::ConfigError("--keys must be >= 1");
  if (f.key_size < 8 || f.key_size > 1024) throw config::ConfigError("--key-size must be in [8, 1024]");
  if (f.value_size < 1 || f.value_size > (1 << 20)) throw config::ConfigError("--value-size must be in [1, 1048576]");
  if (f.buffers < pingpong::kMinBuffers || f.buffers > pingpong::kMaxBuffers)
    throw config::ConfigError("--buffers must be in [2, 64]");
  if (each < static_cast<uint64_t>(pingpong::kMinBufferBytes) ||
      each > static_cast<uint64_t>(pingpong::kMaxBufferBytes))
    throw config::ConfigError("--buffer-bytes must be in [64K, 1G]");
  if (f.channels < 1 || f.channels > transport::kMaxChannels)
    throw config::ConfigError("--channels must be in [1, 64]");
  if (f.repeats < 1 || f.repeats > 50) throw config::ConfigError("--repeats must be in [1, 50]");
  if (f.type != "shm" && f.type != "tcp" && f.type != "verbs")
    throw config::ConfigError("--type must be shm, tcp or verbs");
  if (f.link_gbps < 0 || (f.link_gbps > 0 && f.type != "shm"))
    throw config::ConfigError("--link-gbps is for shm only, >= 0");
  std::vector<ForkMode> modes;
  for (const std::string& m : split_list(f.modes)) {
    if (m == "child-connect")
      modes.push_back(ForkMode::kChildConnect);
    else if (m == "parent-posts")
      modes.push_back(ForkMode::kParentPosts);
    else
      throw config::ConfigError("bad --fork-modes value '" + m + "' (expected child-connect or parent-posts)");
  }
  std::vector<bool> prefaults;
  for (const std::string& p : split_list(f.prefault)) {
    if (p != "on" && p != "off")
      throw config::ConfigError("bad --prefault-buffers value '" + p + "' (expected on or off)");
    prefaults.push_back(p == "on");
  }
  if (f.out.empty()) f.out = "results/probe/pingpong-" + f.type + ".json";

  // The stream, two slots of it, the store (key, value, entry and allocator overhead) and the buffers.
  const uint64_t per_key = static_cast<uint64_t>(f.key_size + f.value_size);
  const uint64_t stream = static_cast<uint64_t>(f.keys) * (per_key + 8) + (1 << 20);
  const uint64_t region = std::max<uint64_t>(16 << 20, 8192 + 2 * ((stream + stream / 8 + 4095) & ~uint64_t{4095}));
  const uint64_t need =
      region + static_cast<uint64_t>(f.keys) * (per_key + 96) + 4 * each * static_cast<uint64_t>(f.buffers);
  if (const std::optional<int64_t> avail = mem_available_bytes();
      avail && need > static_cast<uint64_t>(*avail) * 8 / 10)
    return Status::ResourceExhausted("the probe needs about " + format_size(need) + " (region " + format_size(region) +
                                     ", store, buffers) but MemAvailable is " +
                                     format_size(static_cast<uint64_t>(*avail)) + ": use fewer --keys");

  transport::TransportOptions t;
  t.type = f.type;
  t.channels = f.channels;
  t.region_bytes = region;
  t.link.bandwidth_gbps = f.link_gbps;
  if (f.type == "verbs") t.listen_address = "0.0.0.0";
  json doc;
  doc["schema_version"] = kResultSchemaVersion;
  doc["kind"] = "probe-pingpong";
  doc["context"] = collect_context();
  doc["config"] = {
      {"transport", f.type},  {"keys", f.keys},         {"key_size", f.key_size},        {"value_size", f.value_size},
      {"buffers", f.buffers}, {"buffer_bytes", each},   {"channels", f.channels},        {"link_gbps", f.link_gbps},
      {"repeats", f.repeats}, {"region_bytes", region}, {"prefault_buffers", f.prefault}};
  json runs = json::array();
  json serialize, write;
  std::printf("rdma-pingpong probe: %lld keys of %d+%d bytes, %d x %s buffers, %s, %d channel(s)%s\n", f.keys,
              f.key_size, f.value_size, f.buffers, format_size(each).c_str(), f.type.c_str(), f.channels,
              f.link_gbps > 0 ? (", link " + std::to_string(f.link_gbps) + " Gbit/s").c_str() : "");
  std::vector<std::pair<ForkMode, bool>> cases;
  for (ForkMode mode : modes)
    for (bool prefault : prefaults) cases.emplace_back(mode, prefault);
  for (const auto& [mode, prefault] : cases) {
    pingpong::PingpongOptions o;
    o.buffers = f.buffers;
    o.buffer_bytes = static_cast<int64_t>(each);
    o.fork_mode = mode;
    o.prefault_buffers = prefault;
    StatusOr<std::unique_ptr<pingpong::PingpongEngine>> e = pingpong::PingpongEngine::open(o, t);
    if (!e.ok()) return e.status();
    load(**e, f);
    if (serialize.is_null()) {
      StatusOr<json> s = serialize_baseline((*e)->store(), f, each);
      if (!s.ok()) return s.status().with_context("the serialize baseline: ");
      serialize = *s;
      StatusOr<json> w = write_baseline(**e, f, each);
      if (!w.ok()) return w.status().with_context("the write baseline: ");
      write = *w;
      doc["transport"] = (*e)->remote().describe();
      std::printf(
          "  baseline serialize into memory   %8.0f MB/s in this process, %.0f MB/s in a fork child (%lld bytes)\n",
          serialize["mb_per_s"].get<double>(), serialize["fork_child_mb_per_s"].get<double>(),
          static_cast<long long>(serialize["bytes"].get<int64_t>()));
      std::printf("  baseline %s write, %s x %d     %8.0f MB/s\n", f.type.c_str(), format_size(each).c_str(), f.buffers,
                  write["mb_per_s"].get<double>());
    }
    std::vector<double> mbs, overlap, total;
    json snaps = json::array();
    for (int r = 0; r < f.repeats; ++r) {
      StatusOr<SnapshotReport> rep = snapshot(**e);
      if (!rep.ok()) return rep.status().with_context("a snapshot: ");
      mbs.push_back(rep->extra["mb_per_s"].get<double>());
      overlap.push_back(rep->extra.value("overlap_ratio", 0.0));
      total.push_back(rep->extra["total_ms"].get<double>());
      snaps.push_back(rep->extra);
    }
    // The plainest way to do the snapshot's work: a fork child serializing into memory, or the
    // transport's writes, whichever is slower.
    const double bound = std::min(serialize["fork_child_mb_per_s"].get<double>(), write["mb_per_s"].get<double>());
    const double bound_here = std::min(serialize["mb_per_s"].get<double>(), write["mb_per_s"].get<double>());
    const double m = median(mbs), ov = median(overlap);
    const std::string name = std::string(mode == ForkMode::kChildConnect ? "child-connect" : "parent-posts") +
                             (prefault ? "" : ", no prefault");
    std::printf(
        "  snapshot %-25s %8.0f MB/s  = %.2f x min(fork child, write) (%.2f x min(this process, write));"
        " overlap ratio %.3f; total %.1f ms\n",
        name.c_str(), m, bound > 0 ? m / bound : 0.0, bound_here > 0 ? m / bound_here : 0.0, ov, median(total));
    std::printf("    target overlap <= 1.15: %s; target MB/s >= 0.9 x min: %s\n", ov <= 1.15 ? "met" : "NOT met",
                m >= 0.9 * bound ? "met" : "NOT met");
    runs.push_back({{"fork_mode", mode == ForkMode::kChildConnect ? "child-connect" : "parent-posts"},
                    {"prefault_buffers", prefault},
                    {"mb_per_s", m},
                    {"overlap_ratio", ov},
                    {"total_ms", median(total)},
                    {"ratio_to_min_baseline", bound > 0 ? m / bound : 0.0},
                    {"ratio_to_min_baseline_in_process", bound_here > 0 ? m / bound_here : 0.0},
                    {"overlap_target_met", ov <= 1.15},
                    {"bandwidth_target_met", m >= 0.9 * bound},
                    {"snapshots", snaps}});
  }
  doc["probe"] = {{"serialize_baseline", serialize},
                  {"write_baseline", write},
                  {"snapshots", runs},
                  {"targets", {{"overlap_ratio_max", 1.15}, {"mb_per_s_min_fraction_of_min_baseline", 0.9}}}};
  write_json_atomic(f.out, doc);
  std::printf("wrote %s\n", f.out.c_str());
  return Status::Ok();
}

}  // namespace rpbench::probe

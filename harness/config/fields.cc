#include "harness/config/fields.h"

#include <cmath>
#include <sstream>

#include "engines/registry.h"
#include "transport/options.h"
#include "transport/registry.h"
#include "workloads/spec.h"

namespace rpbench::config {
namespace {

using EC = ExperimentConfig;
using workloads::WorkloadSpec;

std::vector<std::string> to_strings(const std::vector<std::string_view>& v) { return {v.begin(), v.end()}; }

std::vector<std::string> engine_names() {
  std::vector<std::string> names;
  for (const auto& e : engine_registry()) names.emplace_back(e.info.name);
  return names;
}

// Accessors of nested members (a member pointer reaches one level only).
template <class T>
using Acc = T& (*)(EC&);

OptionTable<EC> top_level() {
  OptionTable<EC> t;
  t.string("name", &EC::name, "name of the experiment (used in result file names and figures)");
  t.string("description", &EC::description, "free text describing the experiment");
  t.integer("seed", &EC::seed, 0, 9007199254740991.0, "seed of every generator in the experiment");
  return t;
}

OptionTable<EC> dataset() {
  OptionTable<EC> t;
  t.integer("keys", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.workload.key_count; }), 1, kMaxKeys,
            "number of keys the load phase inserts (ids 0..keys-1)");
  t.integer("key_size", Acc<uint32_t>([](EC& c) -> uint32_t& { return c.workload.key_size; }), workloads::kMinKeySize,
            workloads::kMaxKeySize, "bytes per key (derived from the key id)");
  t.string_choice("value_size.dist", Acc<std::string>([](EC& c) -> std::string& { return c.workload.value_size.dist; }),
                  to_strings(workloads::value_distributions()), "value size distribution");
  t.integer("value_size.size", Acc<uint32_t>([](EC& c) -> uint32_t& { return c.workload.value_size.size; }), 1,
            workloads::kMaxValueSize, "value bytes, for dist fixed");
  t.integer("value_size.min", Acc<uint32_t>([](EC& c) -> uint32_t& { return c.workload.value_size.min; }), 1,
            workloads::kMaxValueSize, "smallest value, for dist uniform");
  t.integer("value_size.max", Acc<uint32_t>([](EC& c) -> uint32_t& { return c.workload.value_size.max; }), 1,
            workloads::kMaxValueSize, "largest value, for dist uniform");
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& b : default_workload().value_size.buckets) buckets.push_back({b.lo, b.hi, b.weight});
  Field& f =
      t.unbound(Buckets("value_size.buckets", buckets, 1, workloads::kMaxValueSize,
                        "[lo, hi, weight] buckets, for dist buckets (default: the remote-memory KV contest's mix)"));
  f.bind = [](void* target, const nlohmann::json& v) {
    auto& out = static_cast<EC*>(target)->workload.value_size.buckets;
    out.clear();
    for (const auto& b : v) out.push_back({b[0].get<uint32_t>(), b[1].get<uint32_t>(), b[2].get<double>()});
  };
  return t;
}

OptionTable<EC> workload() {
  OptionTable<EC> t;
  t.unbound(Enum("preset", nullptr, {"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-f", "contest"},
                 "named workload whose fields this section's own fields override (contest: also the dataset and "
                 "phases, where the config gives none)"));
  t.unbound(
       Number("contest_scale", 0.001, 0, 1, "contest preset: size relative to the contest (1 = 12 M keys per thread)"))
      .exclusive_min();
  t.string_choice("keys.dist", Acc<std::string>([](EC& c) -> std::string& { return c.workload.keys.dist; }),
                  to_strings(workloads::key_distributions()), "key popularity distribution");
  t.number("keys.theta", Acc<double>([](EC& c) -> double& { return c.workload.keys.theta; }), 0, workloads::kMaxTheta,
           "zipfian exponent (YCSB's default 0.99)")
      .exclusive_min();
  t.number("keys.hot_key_fraction", Acc<double>([](EC& c) -> double& { return c.workload.keys.hot_key_fraction; }), 0,
           1, "hotspot: fraction of keys that are hot")
      .exclusive_min();
  t.number("keys.hot_op_fraction", Acc<double>([](EC& c) -> double& { return c.workload.keys.hot_op_fraction; }), 0, 1,
           "hotspot: fraction of operations on hot keys");
  t.number("mix.read", Acc<double>([](EC& c) -> double& { return c.workload.mix.read; }), 0, 1,
           "share of reads (default: 1 minus the other shares)")
      .no_default();
  t.number("mix.update", Acc<double>([](EC& c) -> double& { return c.workload.mix.update; }), 0, 1,
           "share of updates (overwrite an existing key)");
  t.number("mix.insert", Acc<double>([](EC& c) -> double& { return c.workload.mix.insert; }), 0, 1,
           "share of inserts (new keys beyond dataset.keys)");
  t.number("mix.delete", Acc<double>([](EC& c) -> double& { return c.workload.mix.del; }), 0, 1, "share of deletes");
  t.number("mix.rmw", Acc<double>([](EC& c) -> double& { return c.workload.mix.rmw; }), 0, 1,
           "share of read-modify-writes");
  t.integer("threads", &EC::threads, 1, kMaxThreads, "client threads (engines without concurrent callers need 1)");
  t.string("client", &EC::client,
           "I/N: this process is client I (from 0) of N running the same experiment at once against one server or "
           "memory node: its threads take the I-th share of the N clients' streams and keys (rpbench merge joins the "
           "results)");
  t.string("trace", &EC::trace, "replay this recorded op stream (rpbench sample) instead of generating one");
  return t;
}

OptionTable<EC> measure() {
  OptionTable<EC> t;
  t.choice("loop", Acc<Loop>([](EC& c) -> Loop& { return c.measure.loop; }), kLoopNames,
           "closed: next op when the last returns; open: a target rate, latency from intended start");
  t.number("rate", Acc<double>([](EC& c) -> double& { return c.measure.rate; }), 1, 1e9,
           "open loop: target ops/s over all threads");
  t.choice("arrival", Acc<measure::Arrival>([](EC& c) -> measure::Arrival& { return c.measure.arrival; }),
           kArrivalNames, "open loop: inter-arrival times");
  t.integer("spin_us", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.measure.spin_us; }), 0, 1e6,
            "open loop: a client thread busy-waits for the next op when it is due within this long, and sleeps "
            "otherwise (VM wake-ups can be ms late, and would count as latency)");
  t.number("timeline_ms", Acc<double>([](EC& c) -> double& { return c.measure.timeline_ms; }), 0.1, 60000,
           "timeline interval");
  t.boolean("memory_warmup", Acc<bool>([](EC& c) -> bool& { return c.measure.memory_warmup; }),
            "touch and release memory just before each measured phase, so the VM's pages are host-backed");
  t.integer("memory_warmup_bytes", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.measure.memory_warmup_bytes; }), 0,
            1e12, "bytes the warm-up touches (0: twice the dataset's estimated size, at least 64 MiB)");
  t.choice("progress", Acc<ProgressMode>([](EC& c) -> ProgressMode& { return c.measure.progress; }), kProgressModeNames,
           "live status on stderr: auto = one updating line on a terminal, a line every 5 s otherwise");
  t.integer("snapshot_poll_us", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.measure.snapshot_poll_us; }), 10, 1e6,
            "how often a running snapshot is polled between operations");
  t.boolean("allow_oversubscribe", Acc<bool>([](EC& c) -> bool& { return c.measure.allow_oversubscribe; }),
            "start even when the experiment's memory estimate exceeds the machine's MemAvailable (the OOM killer "
            "may then take other processes)");
  t.choice("memory_limit", Acc<MemoryLimit>([](EC& c) -> MemoryLimit& { return c.measure.memory_limit; }),
           kMemoryLimitNames,
           "run under a cgroup v2 memory.max, joined once the engine is open (the OOM killer ends a run that does not "
           "fit): fixed = memory_max_bytes; budget = the memory estimate for this process (the engine's budget, e.g. "
           "paged-kv's cache plus its index) plus memory_headroom_bytes; where cgroup v2 has no memory controller the "
           "run goes on without a limit and the result says so");
  t.integer("memory_max_bytes", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.measure.memory_max_bytes; }), 0, 1e15,
            "memory_limit fixed: the limit (bytes)");
  t.integer("memory_headroom_bytes", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.measure.memory_headroom_bytes; }),
            0, 1e15,
            "memory_limit budget: bytes on top of the estimate (the binary, stacks, histograms, a snapshot's image)");
  return t;
}

OptionTable<EC> transport_section() {
  using namespace transport;
  OptionTable<EC> t;
  std::vector<std::string> types = {"none"};  // none: the engine keeps everything local
  for (const auto& name : transport_names()) types.emplace_back(name);
  t.string_choice("type", Acc<std::string>([](EC& c) -> std::string& { return c.transport.type; }), types,
                  "remote-memory transport (none: the engine keeps everything local; shm and tcp emulate remote memory "
                  "on this host; verbs is RDMA through rdma-core)");
  t.string("memnode", Acc<std::string>([](EC& c) -> std::string& { return c.transport.memnode; }),
           "memory node: auto (the harness starts rpbench-memnode on listen_address and stops it at the end), "
           "HOST:PORT (tcp, verbs) or unix:PATH (shm) of a running one");
  t.string("listen_address", Acc<std::string>([](EC& c) -> std::string& { return c.transport.listen_address; }),
           "memnode auto: the address the node listens on (verbs: the RDMA device's IP address)");
  t.integer("channels", Acc<int>([](EC& c) -> int& { return c.transport.channels; }), 1, kMaxChannels,
            "connections (tcp) or queue pairs (verbs) a transfer is striped across");
  t.integer("queue_depth", Acc<int>([](EC& c) -> int& { return c.transport.queue_depth; }), 1, kMaxQueueDepth,
            "outstanding chunks per channel before a post waits");
  t.integer("chunk_bytes", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.transport.chunk_bytes; }),
            static_cast<double>(kMinChunkBytes), static_cast<double>(kMaxChunkBytes),
            "stripe unit: a transfer is cut into chunks of this size");
  t.integer("region", Acc<uint32_t>([](EC& c) -> uint32_t& { return c.transport.region; }), 0, 1023,
            "which region of a memory node the harness did not start (memnode auto has one: 0)");
  t.integer("region_bytes", Acc<uint64_t>([](EC& c) -> uint64_t& { return c.transport.region_bytes; }),
            static_cast<double>(kMinRegionBytes), static_cast<double>(kMaxRegionBytes),
            "memnode auto: size of the region it creates");
  t.boolean("prefault", Acc<bool>([](EC& c) -> bool& { return c.transport.prefault; }),
            "memnode auto: pre-fault the region at start (else pages are allocated lazily)");
  t.string("token", Acc<std::string>([](EC& c) -> std::string& { return c.transport.token; }),
           "shared secret of the memory node (at most 32 bytes; default: $RPBENCH_MEMNODE_TOKEN, or a fresh random "
           "one for memnode auto)")
      .no_default();
  t.integer("connect_timeout_ms", Acc<int>([](EC& c) -> int& { return c.transport.connect_timeout_ms; }), 1, 600000,
            "connecting (and the handshake) gives up after this long");
  t.integer("io_timeout_ms", Acc<int>([](EC& c) -> int& { return c.transport.io_timeout_ms; }), 1, kMaxTimeoutMs,
            "a hung node: tcp fails a connection awaiting it with no byte moving for this long; verbs gives up "
            "waiting for a completion after this long");
  t.number("link.bandwidth_gbps", Acc<double>([](EC& c) -> double& { return c.transport.link.bandwidth_gbps; }), 0,
           100000, "shm link model: bandwidth cap in Gbit/s shared by the channels (0: none)");
  t.number("link.latency_us", Acc<double>([](EC& c) -> double& { return c.transport.link.latency_us; }), 0, 1e6,
           "shm link model: latency added to every operation (0: none)");
  t.string("verbs.device", Acc<std::string>([](EC& c) -> std::string& { return c.transport.verbs.device; }),
           "verbs: RDMA device name (empty: the one rdma_cm resolves the address to)");
  t.integer("verbs.port", Acc<int>([](EC& c) -> int& { return c.transport.verbs.port; }), 0, 255,
            "verbs: device port (0: the one rdma_cm picks)");
  t.integer("verbs.gid_index", Acc<int>([](EC& c) -> int& { return c.transport.verbs.gid_index; }), -1, 1023,
            "verbs: GID index (-1: the one rdma_cm picks)");
  t.integer("verbs.signal_every", Acc<int>([](EC& c) -> int& { return c.transport.verbs.signal_every; }), 1,
            kMaxSignalEvery, "verbs: one signalled work request every this many");
  t.integer("verbs.max_inline", Acc<int>([](EC& c) -> int& { return c.transport.verbs.max_inline; }), -1,
            kMaxInlineBytes, "verbs: largest write sent inline (-1: what the device allows, 0: never)");
  return t;
}

OptionTable<EC> engine_common() {
  OptionTable<EC> t;
  t.string_choice("type", &EC::engine_type, engine_names(), "engine to run (rpbench list)");
  t.choice("allocator", &EC::allocator, kAllocatorNames,
           "malloc serving the process (jemalloc/tcmalloc: rpbench re-executes itself with LD_PRELOAD)");
  return t;
}

}  // namespace

const std::vector<Section>& harness_sections() {
  static const std::vector<Section> sections = {
      {"", "experiment identity", top_level()},
      {"dataset", "the keys loaded before the run phases", dataset()},
      {"workload", "what the run phases do", workload()},
      {"measure", "how the run phases are paced and recorded", measure()},
      {"transport", "remote memory used by the engine", transport_section()},
  };
  return sections;
}

const Section& engine_section() {
  static const Section section{"engine", "the engine and the options common to every engine", engine_common()};
  return section;
}

std::vector<std::string> phase_type_names() { return names_of(kPhaseTypeNames); }

const OptionTable<PhaseConfig>& phase_table() {
  static const OptionTable<PhaseConfig> table = [] {
    using PC = PhaseConfig;
    OptionTable<PC> t;
    t.choice("type", &PC::type, kPhaseTypeNames, "what the phase does").no_default();
    t.string("name", &PC::name, "label in results and figures (default: the type)").no_default();
    t.number("duration_s", &PC::duration_s, 1e-3, kMaxPhaseSeconds, "run for this long").no_default();
    t.integer("ops", &PC::ops, 1, 1e12,
              "run: stop after this many operations; load: keys to insert (default dataset.keys)")
        .no_default();
    t.number_list("snapshot_at_s", &PC::snapshot_at_s, 0, kMaxPhaseSeconds,
                  "start a snapshot at these times into the phase")
        .no_default();
    t.integer("snapshot_every_ops", &PC::snapshot_every_ops, 1, 1e12,
              "start a snapshot every N operations (of thread 0)")
        .no_default();
    t.unbound(Object("mix", "this phase's op mix (same fields as workload.mix; replaces it whole)"));
    t.unbound(Object("keys", "this phase's key distribution (fields of workload.keys, each overriding it)"));
    t.unbound(Object("value_size", "this phase's value sizes (fields of dataset.value_size, each overriding it)"));
    t.integer("sample_keys", &PC::sample_keys, 0, 1e9,
              "verify also checks about this many keys, value by value, against what the generator wrote before the "
              "snapshot (one client thread only; 0: the digest alone)");
    t.number("timeout_s", &PC::timeout_s, 0.001, kMaxPhaseSeconds, "a snapshot not done by then fails the experiment");
    return t;
  }();
  return table;
}

const std::vector<PhaseField>& phase_fields() {
  // Which phase types accept each field of phase_table(), by its path.
  static const std::vector<PhaseField> fields = [] {
    const std::vector<std::pair<std::string, std::vector<std::string>>> types = {
        {"type", {"load", "run", "snapshot", "recover", "verify", "compact"}},
        {"name", {"load", "run", "snapshot", "recover", "verify", "compact"}},
        {"duration_s", {"run"}},
        {"ops", {"run", "load"}},
        {"snapshot_at_s", {"run"}},
        {"snapshot_every_ops", {"run"}},
        {"mix", {"run"}},
        {"keys", {"run"}},
        {"value_size", {"run", "load"}},
        {"sample_keys", {"verify"}},
        {"timeout_s", {"snapshot", "run"}},
    };
    std::vector<PhaseField> out;
    for (const auto& f : phase_table().fields()) {
      for (const auto& [path, accepted] : types)
        if (path == f.path) out.push_back({f, accepted});
    }
    return out;
  }();
  return fields;
}

std::string describe_expected(const Field& f) {
  auto num = [](double v) {
    std::ostringstream os;
    if (std::isinf(v)) return std::string(v < 0 ? "-inf" : "inf");
    if (std::floor(v) == v && std::fabs(v) < 1e17) {
      os << static_cast<long long>(v);
    } else {
      os << v;
    }
    return os.str();
  };
  std::string range = f.min_exclusive ? "(" : "[";
  range += num(f.min);
  range += ", ";
  range += num(f.max);
  range += "]";
  switch (f.type) {
    case FieldType::kBool: return "true or false";
    case FieldType::kInt: return "an integer in " + range;
    case FieldType::kNumber: return "a number in " + range;
    case FieldType::kString: return "a string";
    case FieldType::kEnum: {
      std::string s = "one of ";
      for (size_t i = 0; i < f.choices.size(); ++i) {
        if (i) s += ", ";
        s += f.choices[i];
      }
      return s;
    }
    case FieldType::kNumberList: return "a list of numbers in " + range;
    case FieldType::kBuckets:
      return "a list of [lo, hi, weight] with lo <= hi in " + range + " and weights summing to 1";
    case FieldType::kObject: return "an object";
  }
  return "?";
}

}  // namespace rpbench::config

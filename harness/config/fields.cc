#include "harness/config/fields.h"

#include <cmath>
#include <sstream>

#include "engines/registry.h"
#include "workloads/spec.h"

namespace rpbench::config {
namespace {

std::vector<std::string> to_strings(const std::vector<std::string_view>& v) {
  return {v.begin(), v.end()};
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names;
  for (const auto& e : engine_registry()) names.push_back(e.name);
  return names;
}

constexpr double kMaxKeys = 1e10;

Field Exclusive(Field f) {
  f.min_exclusive = true;
  return f;
}

}  // namespace

const std::vector<Section>& harness_sections() {
  static const std::vector<Section> sections = {
      {"", "experiment identity",
       {
           String("name", "experiment", "name of the experiment (used in result file names and figures)"),
           String("description", "", "free text describing the experiment"),
           Int("seed", 42, 0, 9007199254740991.0, "seed of every generator in the experiment"),
       }},
      {"dataset", "the keys loaded before the run phases",
       {
           Int("keys", 100000, 1, kMaxKeys, "number of keys the load phase inserts (ids 0..keys-1)"),
           Int("key_size", 16, 12, 1024, "bytes per key (derived from the key id)"),
           Enum("value_size.dist", "fixed", to_strings(workloads::value_distributions()),
                "value size distribution"),
           Int("value_size.size", 100, 1, 64 << 20, "value bytes, for dist fixed"),
           Int("value_size.min", 64, 1, 64 << 20, "smallest value, for dist uniform"),
           Int("value_size.max", 256, 1, 64 << 20, "largest value, for dist uniform"),
           Buckets("value_size.buckets", nlohmann::json::parse("[[80,128,0.7],[129,256,0.2],[257,1024,0.1]]"), 1,
                   64 << 20, "[lo, hi, weight] buckets, for dist buckets (default: the remote-memory KV contest's mix)"),
       }},
      {"workload", "what the run phases do",
       {
           Enum("preset", nullptr, {"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-f", "contest"},
                "named workload whose fields this section's own fields override (contest: also the "
                "dataset and phases, where the config gives none)"),
           Exclusive(Number("contest_scale", 0.001, 0, 1,
                            "contest preset: size relative to the contest (1 = 12 M keys per thread)")),
           Enum("keys.dist", "zipfian", to_strings(workloads::key_distributions()), "key popularity distribution"),
           Exclusive(Number("keys.theta", 0.99, 0, 3, "zipfian exponent (YCSB's default 0.99)")),
           Exclusive(Number("keys.hot_key_fraction", 0.2, 0, 1, "hotspot: fraction of keys that are hot")),
           Number("keys.hot_op_fraction", 0.8, 0, 1, "hotspot: fraction of operations on hot keys"),
           Number("mix.read", nullptr, 0, 1, "share of reads (default: 1 minus the other shares)"),
           Number("mix.update", 0, 0, 1, "share of updates (overwrite an existing key)"),
           Number("mix.insert", 0, 0, 1, "share of inserts (new keys beyond dataset.keys)"),
           Number("mix.delete", 0, 0, 1, "share of deletes"),
           Number("mix.rmw", 0, 0, 1, "share of read-modify-writes"),
           Int("threads", 1, 1, 256, "client threads (engines without concurrent callers need 1)"),
           String("trace", nullptr, "replay this recorded op stream (rpbench sample) instead of generating one"),
       }},
      {"measure", "how the run phases are paced and recorded",
       {
           Enum("loop", "closed", {"closed", "open"},
                "closed: next op when the last returns; open: a target rate, latency from intended start"),
           Number("rate", 10000, 1, 1e9, "open loop: target ops/s over all threads"),
           Enum("arrival", "uniform", {"uniform", "poisson"}, "open loop: inter-arrival times"),
           Int("spin_us", 2000, 0, 1e6,
               "open loop: a client thread busy-waits for the next op when it is due within this long, "
               "and sleeps otherwise (VM wake-ups can be ms late, and would count as latency)"),
           Number("timeline_ms", 10, 0.1, 60000, "timeline interval"),
           Bool("memory_warmup", false,
                "touch and release memory just before each measured phase, so the VM's pages are host-backed"),
           Int("memory_warmup_bytes", 0, 0, 1e12,
               "bytes the warm-up touches (0: twice the dataset's estimated size, at least 64 MiB)"),
           Enum("progress", "auto", {"auto", "tty", "plain", "off"},
                "live status on stderr: auto = one updating line on a terminal, a line every 5 s otherwise"),
           Int("snapshot_poll_us", 1000, 10, 1e6, "how often a running snapshot is polled between operations"),
       }},
      {"transport", "remote memory used by the engine",
       {
           Enum("type", "none", {"none", "shm", "tcp", "verbs"},
                "remote-memory transport (none: the engine keeps everything local; shm and tcp emulate remote "
                "memory on this host; verbs is RDMA through rdma-core)"),
           String("memnode", "auto",
                  "memory node: auto (the harness starts rpbench-memnode on listen_address and stops it at the end), "
                  "HOST:PORT (tcp, verbs) or unix:PATH (shm) of a running one"),
           String("listen_address", "127.0.0.1", "memnode auto: the address the node listens on (verbs: the RDMA "
                                                 "device's IP address)"),
           Int("channels", 1, 1, 64, "connections (tcp) or queue pairs (verbs) a transfer is striped across"),
           Int("queue_depth", 64, 1, 4096, "outstanding chunks per channel before a post waits"),
           Int("chunk_bytes", 1 << 20, 4096, 1 << 30, "stripe unit: a transfer is cut into chunks of this size"),
           Int("region", 0, 0, 1023, "which region of a memory node the harness did not start (memnode auto has one: 0)"),
           Int("region_bytes", 1ll << 30, 1 << 20, 1ll << 40, "memnode auto: size of the region it creates"),
           Bool("prefault", false, "memnode auto: pre-fault the region at start (else pages are allocated lazily)"),
           String("token", nullptr,
                  "shared secret of the memory node (at most 32 bytes; default: $RPBENCH_MEMNODE_TOKEN, or a "
                  "fresh random one for memnode auto)"),
           Int("connect_timeout_ms", 5000, 1, 600000, "connecting (and the handshake) gives up after this long"),
           Int("io_timeout_ms", 30000, 1, 3600000,
               "a hung node: tcp fails a connection awaiting it with no byte moving for this long; verbs "
               "gives up waiting for a completion after this long"),
           Number("link.bandwidth_gbps", 0, 0, 100000,
                  "shm link model: bandwidth cap in Gbit/s shared by the channels (0: none)"),
           Number("link.latency_us", 0, 0, 1e6, "shm link model: latency added to every operation (0: none)"),
           String("verbs.device", "", "verbs: RDMA device name (empty: the one rdma_cm resolves the address to)"),
           Int("verbs.port", 0, 0, 255, "verbs: device port (0: the one rdma_cm picks)"),
           Int("verbs.gid_index", -1, -1, 1023, "verbs: GID index (-1: the one rdma_cm picks)"),
           Int("verbs.signal_every", 16, 1, 4096, "verbs: one signalled work request every this many"),
           Int("verbs.max_inline", -1, -1, 4096,
               "verbs: largest write sent inline (-1: what the device allows, 0: never)"),
       }},
  };
  return sections;
}

std::vector<Field> common_engine_fields() {
  return {
      Enum("type", "memory", engine_names(), "engine to run (rpbench list)"),
      Enum("allocator", "glibc", {"glibc", "jemalloc", "tcmalloc"},
           "malloc serving the process (jemalloc/tcmalloc: rpbench re-executes itself with LD_PRELOAD)"),
  };
}

const std::vector<std::string>& phase_types() {
  static const std::vector<std::string> types = {"load", "run", "snapshot", "recover", "verify"};
  return types;
}

const std::vector<PhaseField>& phase_fields() {
  static const std::vector<PhaseField> fields = {
      {Enum("type", nullptr, phase_types(), "what the phase does"), {"load", "run", "snapshot", "recover", "verify"}},
      {String("name", nullptr, "label in results and figures (default: the type)"),
       {"load", "run", "snapshot", "recover", "verify"}},
      {Number("duration_s", nullptr, 1e-3, 86400, "run for this long"), {"run"}},
      {Int("ops", nullptr, 1, 1e12, "run: stop after this many operations; load: keys to insert (default dataset.keys)"),
       {"run", "load"}},
      {NumberList("snapshot_at_s", nullptr, 0, 86400, "start a snapshot at these times into the phase"), {"run"}},
      {Int("snapshot_every_ops", nullptr, 1, 1e12, "start a snapshot every N operations (of thread 0)"), {"run"}},
      {Object("mix", "this phase's op mix (same fields as workload.mix; replaces it whole)"), {"run"}},
      {Object("keys", "this phase's key distribution (fields of workload.keys, each overriding it)"), {"run"}},
      {Object("value_size", "this phase's value sizes (fields of dataset.value_size, each overriding it)"),
       {"run", "load"}},
      {Int("sample_keys", 1000, 0, 1e9,
           "verify also checks about this many keys, value by value, against what the generator wrote before "
           "the snapshot (one client thread only; 0: the digest alone)"),
       {"verify"}},
      {Number("timeout_s", 600, 0.001, 86400, "a snapshot not done by then fails the experiment"),
       {"snapshot", "run"}},
  };
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
    case FieldType::kBuckets: return "a list of [lo, hi, weight] with lo <= hi in " + range + " and weights summing to 1";
    case FieldType::kObject: return "an object";
  }
  return "?";
}

}  // namespace rpbench::config

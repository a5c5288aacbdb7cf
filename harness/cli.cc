#include "harness/cli.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

#include "base/config_error.h"
#include "build_info.h"
#include "engines/registry.h"
#include "harness/allocator.h"
#include "harness/command_flags.h"
#include "harness/config/experiment.h"
#include "harness/config/fields.h"
#include "harness/config/loader.h"
#include "harness/console_report.h"
#include "harness/context.h"
#include "harness/driver.h"
#include "harness/memory_check.h"
#include "harness/memory_limit.h"
#include "harness/merge_command.h"
#include "harness/probe/probe_cli.h"
#include "harness/progress.h"
#include "harness/result.h"
#include "harness/result_io.h"
#include "harness/sample_command.h"
#include "measure/os_probes.h"
#include "transport/registry.h"

namespace po = boost::program_options;

namespace rpbench {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

int bad_input(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return kExitBadInput;
}

// Blocks SIGINT/SIGTERM in every thread and waits for them on one thread of its own, which asks
// the driver to stop; the engine (and any child or server it owns) is then torn down by RAII.
class SignalWatcher {
 public:
  explicit SignalWatcher(Driver& driver) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, &driver] {
      while (!done_.load()) {
        timespec ts{0, 100 * 1000 * 1000};
        const int sig = sigtimedwait(&set_, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
          signal_.store(sig);
          driver.request_stop();
        }
      }
    });
  }
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  int signal() const { return signal_.load(); }

 private:
  sigset_t set_{};
  sigset_t old_{};
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

int cmd_run(int argc, char** argv, char** full_argv) {
  po::options_description opts("rpbench run CONFIG.json [options]");
  opts.add_options()("help,h", "describe this command")("set", po::value<std::vector<std::string>>()->composing(),
                                                        "override a config leaf: --set PATH=VALUE (repeatable)")(
      "out,o", po::value<std::string>(), "result file (default results/<name>.json)")(
      "quiet,q", "no progress line and no summary")("allow-oversubscribe",
                                                    "start even when the memory estimate exceeds MemAvailable")(
      "config", po::value<std::string>(), "experiment config (JSON)");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int status = 0;
  if (!parse_command_flags(argc, argv, opts, pos, vm, &status)) return status;
  if (vm.count("help")) {
    std::cout << opts
              << "\nRuns the experiment's phases on its engine and writes one result JSON (atomically).\n"
                 "A failed experiment writes FILE with .failed.json instead of .json and exits 1.\n";
    return 0;
  }
  if (!vm.count("config")) return bad_input("run: missing CONFIG.json (see --help)");
  const auto sets = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
  ExperimentConfig cfg;
  try {
    cfg = make_experiment(config::load_config(vm["config"].as<std::string>(), sets));
  } catch (const config::ConfigError& e) {
    return bad_input(e.what());
  }
  const MemoryEstimate memory = estimate_memory(cfg);
  if (Status s = check_memory(memory, cfg.measure.allow_oversubscribe || vm.count("allow-oversubscribe")); !s.ok())
    return bad_input("memory: " + s.message());
  if (Status s = ensure_allocator(cfg.allocator, full_argv); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return kExitFailed;
  }
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : "results/" + cfg.name + ".json";
  const EngineEntry* entry = find_engine(cfg.engine_type);
  StatusOr<std::unique_ptr<Engine>> opened =
      entry->open(EngineOpenArgs{cfg.resolved.at("engine"), cfg.resolved, cfg.seed, cfg.transport});
  if (!opened.ok()) {
    std::fprintf(stderr, "error: engine %s: %s\n", cfg.engine_type.c_str(), opened.status().message().c_str());
    return kExitFailed;
  }
  std::unique_ptr<Engine> engine = std::move(*opened);
  const AppliedMemoryLimit memory_limit(cfg.measure, memory);  // after open: a memory node it started stays outside

  Result result;
  result.config = cfg.resolved;
  result.context = collect_context();
  result.context["engine"] = cfg.engine_type;
  result.context["transport"] = cfg.transport.type;
  result.context["allocator"] = detect_allocator();
  result.context["memory_warmup"] = cfg.measure.memory_warmup;
  result.context["memory_estimate"] = memory.to_json();
  result.context["client"] = {{"index", cfg.client_index}, {"count", cfg.client_count}};
  const double steal_before = measure::steal_ms();

  StderrProgress progress(vm.count("quiet") ? ProgressMode::kOff : cfg.measure.progress);
  Driver driver(cfg, *engine, &progress);
  Status run_status;
  int signal_seen;
  {
    SignalWatcher watcher(driver);
    run_status = driver.run(result);
    signal_seen = watcher.signal();
  }
  const bool ok = run_status.ok();
  result.context["steal_ms"] = measure::steal_ms() - steal_before;
  result.context["memory_limit"] = memory_limit.info();
  result.context["memory_node"] = engine->memory_node();
  result.engine = engine->report();
  engine.reset();  // stops children and servers before the result is written
  if (signal_seen) {
    std::fprintf(stderr, "rpbench: interrupted by signal %d; no result written\n", signal_seen);
    return 128 + signal_seen;
  }
  if (!vm.count("quiet")) print_console_report(result, stdout);
  std::string path = out;
  if (!ok) {
    const std::string suffix = ".json";
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
      path.resize(path.size() - suffix.size());
    path += ".failed.json";
  }
  try {
    nlohmann::json doc = to_json(result);
    if (!ok) doc["error"] = run_status.message();
    write_json_atomic(path, doc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
  if (!ok) {
    std::fprintf(stderr, "error: %s (partial result in %s)\n", run_status.message().c_str(), path.c_str());
    return kExitFailed;
  }
  if (!vm.count("quiet")) std::fprintf(stdout, "result: %s\n", path.c_str());
  return 0;
}

int cmd_validate(int argc, char** argv) {
  po::options_description opts("rpbench validate CONFIG.json [options]");
  opts.add_options()("help,h", "describe this command")("set", po::value<std::vector<std::string>>()->composing(),
                                                        "override a config leaf: --set PATH=VALUE (repeatable)")(
      "allow-oversubscribe", "accept a config whose memory estimate exceeds MemAvailable")(
      "config", po::value<std::string>(), "experiment config (JSON)");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int status = 0;
  if (!parse_command_flags(argc, argv, opts, pos, vm, &status)) return status;
  if (vm.count("help")) {
    std::cout << opts
              << "\nValidates the config (after overrides) and prints it resolved, defaults filled in.\n"
                 "It refuses what run would refuse, the memory pre-flight check included.\n";
    return 0;
  }
  if (!vm.count("config")) return bad_input("validate: missing CONFIG.json (see --help)");
  const auto sets = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
  try {
    const auto resolved = config::load_config(vm["config"].as<std::string>(), sets);
    const ExperimentConfig cfg = make_experiment(resolved);
    const MemoryEstimate memory = estimate_memory(cfg);
    if (Status s = check_memory(memory, cfg.measure.allow_oversubscribe || vm.count("allow-oversubscribe")); !s.ok())
      return bad_input("memory: " + s.message());
    std::cout << resolved.dump(2) << "\n";
  } catch (const config::ConfigError& e) {
    return bad_input(e.what());
  }
  return 0;
}

void print_fields(const std::string& section, const std::vector<config::Field>& fields, std::ostream& os) {
  for (const auto& f : fields) {
    const std::string path = section.empty() ? f.path : section + "." + f.path;
    os << "  " << path << "  (" << config::describe_expected(f) << "; default "
       << (f.default_value.is_null() ? std::string("none") : f.default_value.dump()) << ")\n      " << f.help << "\n";
  }
}

int cmd_list(int argc, char** argv) {
  po::options_description opts("rpbench list [options]");
  opts.add_options()("help,h", "describe this command")("fields", "also list every config field");
  po::positional_options_description pos;
  po::variables_map vm;
  int status = 0;
  if (!parse_command_flags(argc, argv, opts, pos, vm, &status)) return status;
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  std::cout << "engines:\n";
  for (const auto& e : engine_registry())
    std::printf("  %-16.*s %.*s\n", static_cast<int>(e.info.name.size()), e.info.name.data(),
                static_cast<int>(e.info.summary.size()), e.info.summary.data());
  std::cout << "transports (for engines with remote memory; rpbench probe transport measures them):\n";
  std::printf("  %-16s %s\n", "none", "the engine keeps its data in this process (no remote memory)");
  for (const auto& t : transport::transport_registry()) std::printf("  %-16s %s\n", t.name.c_str(), t.summary.c_str());
  std::cout << "key distributions:\n";
  for (auto d : workloads::key_distributions()) std::cout << "  " << d << "\n";
  std::cout << "value size distributions:\n";
  for (auto d : workloads::value_distributions()) std::cout << "  " << d << "\n";
  // Presets and phase types come from their declarations.
  for (const auto& s : config::harness_sections())
    for (const auto& f : s.fields())
      if (s.name == "workload" && f.path == "preset") {
        std::cout << "workload presets:\n ";
        for (const auto& c : f.choices) std::cout << " " << c;
        std::cout << "\n";
      }
  std::cout << "phases:\n ";
  for (const auto& t : config::phase_type_names()) std::cout << " " << t;
  std::cout << "\n";
  if (vm.count("fields")) {
    std::cout << "\nconfig fields:\n";
    for (const auto& s : config::harness_sections()) print_fields(s.name, s.fields(), std::cout);
    print_fields("engine", config::engine_section().fields(), std::cout);
    for (const auto& e : engine_registry())
      if (!e.options.empty()) {
        std::cout << " engine " << e.info.name << ":\n";
        print_fields("engine", e.options, std::cout);
      }
    std::cout << " phases[i]:\n";
    for (const auto& pf : config::phase_fields()) {
      std::string types;
      for (const auto& t : pf.phase_types) {
        if (!types.empty()) types += ",";
        types += t;
      }
      print_fields("phases[i]", {pf.field}, std::cout);
      std::cout << "      (phases: " << types << ")\n";
    }
  }
  return 0;
}

// The subcommands, in the order the usage lists them: the usage text, dispatch and did-you-mean
// all come from this table.
struct Subcommand {
  const char* name;
  const char* args;
  const char* summary;
  int (*main)(int argc, char** argv, char** full_argv);
};

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table = {
      {"run", "CONFIG.json [--set PATH=VALUE ...] [--out FILE]", "run an experiment, write its result JSON", cmd_run},
      {"validate", "CONFIG.json [--set PATH=VALUE ...]", "check a config and print it resolved",
       [](int c, char** v, char**) { return cmd_validate(c, v); }},
      {"list", "[--fields]", "engines, transports, distributions (and every config field)",
       [](int c, char** v, char**) { return cmd_list(c, v); }},
      {"sample", "CONFIG.json --ops N [--out FILE] [--format binary|csv]",
       "write the op stream a config generates, and summarise it",
       [](int c, char** v, char**) { return sample_main(c, v); }},
      {"merge", "A.json B.json ... --out M.json", "join the results of several clients of one experiment",
       [](int c, char** v, char**) { return merge_main(c, v); }},
      {"probe", "fork|faults|transport [...]", "fork, page-fault and remote-memory transport cost experiments",
       [](int c, char** v, char**) { return probe_main(c, v); }},
  };
  return table;
}

std::string usage() {
  std::string u = "usage: rpbench COMMAND [ARGS]\n\n";
  for (const auto& c : subcommands()) {
    std::string line = std::string("  ") + c.name + " " + c.args;
    if (line.size() < 56)
      line.resize(56, ' ');
    else
      line += "\n" + std::string(56, ' ');
    u += line + c.summary + "\n";
  }
  u += "\n`rpbench COMMAND --help` describes each. Exit status: 0 success, 1 the experiment failed, 2 bad input.\n";
  return u;
}

}  // namespace

int cli_main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage().c_str(), stderr);
    return kExitBadInput;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("rpbench %s (%s, %s)\n", build::kVersion, build::kGitCommit, build::kBuildType);
    return 0;
  }
  // Each subcommand sees argv from its own name on.
  std::vector<std::string> names = {"help"};
  for (const auto& c : subcommands()) {
    if (cmd == c.name) return c.main(argc - 1, argv + 1, argv);
    names.emplace_back(c.name);
  }
  const std::string m = config::closest_match(cmd, names);
  std::string msg = "unknown command \"" + cmd + "\"";
  if (!m.empty()) msg += " (did you mean \"" + m + "\"?)";
  return bad_input(msg + "; see rpbench --help");
}

}  // namespace rpbench

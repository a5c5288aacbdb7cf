#include "harness/sample_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include <boost/program_options.hpp>

#include "base/config_error.h"
#include "base/sizes.h"
#include "base/unique_fd.h"
#include "harness/command_flags.h"
#include "harness/config/experiment.h"
#include "harness/config/loader.h"
#include "workloads/op_stream.h"
#include "workloads/sample_summary.h"
#include "workloads/trace.h"

namespace po = boost::program_options;

namespace rpbench {

int sample_main(int argc, char** argv) {
  po::options_description opts("rpbench sample CONFIG.json --ops N [options]");
  opts.add_options()("help,h", "describe this command")("ops,n", po::value<std::string>(),
                                                        "number of ops to generate (at least 1)")(
      "out,o", po::value<std::string>(), "write the stream here (default: only the summary)")(
      "format,f", po::value<std::string>()->default_value("binary"),
      "binary (replayable with workload.trace; see workloads/TRACE_FORMAT.md) or csv (op,key_id,value_size)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a config leaf: --set PATH=VALUE")(
      "json", "print the summary as JSON")("config", po::value<std::string>(), "experiment config (JSON)");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int status = 0;
  if (!parse_command_flags(argc, argv, opts, pos, vm, &status)) return status;
  if (vm.count("help")) {
    std::cout << opts
              << "\nIn csv, key_id is the generator's item number before any scrambling of ids into keys.\n"
                 "With workload.threads = T, op i comes from client thread i % T.\n";
    return 0;
  }
  if (!vm.count("config")) {
    std::fprintf(stderr, "error: sample: missing CONFIG.json (see --help)\n");
    return 2;
  }
  if (!vm.count("ops")) {
    std::fprintf(stderr, "error: sample: --ops N (N >= 1) is required\n");
    return 2;
  }
  const StatusOr<uint64_t> ops_flag = parse_count(vm["ops"].as<std::string>());
  if (!ops_flag.ok()) {
    std::fprintf(stderr, "error: --ops: %s\n", ops_flag.status().message().c_str());
    return 2;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "binary" && format != "csv") {
    std::fprintf(stderr, "error: --format: expected binary or csv, got \"%s\"\n", format.c_str());
    return 2;
  }
  const auto sets = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
  ExperimentConfig cfg;
  try {
    cfg = make_experiment(config::load_config(vm["config"].as<std::string>(), sets));
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  const uint64_t n = *ops_flag;
  const uint32_t threads = cfg.threads;
  std::vector<workloads::OpStream> streams;
  for (uint32_t t = 0; t < threads; ++t) streams.emplace_back(cfg.workload, t, threads);

  try {
    std::unique_ptr<workloads::TraceWriter> bin;
    std::unique_ptr<workloads::CsvTraceWriter> csv;
    std::ofstream csv_file;
    std::string csv_tmp;
    std::unique_ptr<TempPathGuard> csv_guard;
    if (vm.count("out")) {
      const std::string out = vm["out"].as<std::string>();
      if (format == "binary") {
        workloads::TraceInfo info;
        info.seed = cfg.seed;
        info.key_count = cfg.workload.key_count;
        info.thread_index = 0;
        info.thread_count = threads;
        info.spec = cfg.resolved.at("workload").dump();
        bin = std::make_unique<workloads::TraceWriter>(out, info);
      } else {
        csv_tmp = out + ".tmp";
        csv_guard = std::make_unique<TempPathGuard>(csv_tmp);
        csv_file.open(csv_tmp, std::ios::binary | std::ios::trunc);
        if (!csv_file) throw std::runtime_error("cannot write " + csv_tmp);
        csv = std::make_unique<workloads::CsvTraceWriter>(csv_file);
      }
    }
    workloads::SampleSummarizer summary;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t item = 0;
      const workloads::Op op = streams[i % threads].next(&item);
      summary.add(op);
      if (bin) bin->write(op);
      if (csv) csv->write(op.type, item, op.value_size);
    }
    if (bin) bin->close();
    if (csv) {
      csv_file.close();
      if (!csv_file || std::rename(csv_tmp.c_str(), vm["out"].as<std::string>().c_str()) != 0)
        throw std::runtime_error("cannot write " + vm["out"].as<std::string>());
      csv_guard->release();
    }
    uint64_t key_space = cfg.workload.key_count;
    for (const auto& st : streams) key_space += st.inserts();
    const workloads::SampleSummary s = summary.finish(key_space);
    if (vm.count("json")) {
      std::cout << workloads::to_json(s).dump(2) << "\n";
    } else {
      std::cout << workloads::to_text(s);
    }
    if (vm.count("out"))
      std::fprintf(stderr, "wrote %llu ops to %s (%s)\n", static_cast<unsigned long long>(n),
                   vm["out"].as<std::string>().c_str(), format.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace rpbench

#include "harness/merge_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "harness/command_flags.h"
#include "harness/merge_results.h"
#include "harness/result_io.h"

namespace rpbench {

using nlohmann::json;

int merge_main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description opts("rpbench merge A.json B.json ... --out M.json");
  opts.add_options()("help,h", "describe this command")("out,o", po::value<std::string>(), "merged result file")(
      "results", po::value<std::vector<std::string>>(), "the clients' results");
  po::positional_options_description pos;
  pos.add("results", -1);
  po::variables_map vm;
  int status = 0;
  if (!parse_command_flags(argc, argv, opts, pos, vm, &status)) return status;
  if (vm.count("help")) {
    std::cout << opts
              << "\nJoins the results of one experiment run by several clients at once (workload.client I/N)\n"
                 "into one: ops summed, histograms merged exactly, timelines aligned by wall-clock time.\n";
    return 0;
  }
  if (!vm.count("out")) {
    std::fprintf(stderr, "error: merge: --out M.json is required\n");
    return 2;
  }
  std::vector<NamedResult> results;
  for (const std::string& path :
       vm.count("results") ? vm["results"].as<std::vector<std::string>>() : std::vector<std::string>{}) {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "error: merge: cannot read %s\n", path.c_str());
      return 2;
    }
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded()) {
      std::fprintf(stderr, "error: merge: %s: not JSON\n", path.c_str());
      return 2;
    }
    results.push_back({path, std::move(doc)});
  }
  StatusOr<json> merged = merge_results(results);
  if (!merged.ok()) {
    std::fprintf(stderr, "error: merge: %s\n", merged.status().message().c_str());
    return 2;
  }
  try {
    write_json_atomic(vm["out"].as<std::string>(), *merged);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: merge: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace rpbench

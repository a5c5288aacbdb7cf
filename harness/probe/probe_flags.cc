#include "harness/probe/probe_flags.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace rpbench {

namespace po = boost::program_options;

uint64_t parse_size_flag(const std::string& text) {
  StatusOr<uint64_t> v = parse_size(text);
  if (!v.ok()) throw config::ConfigError(v.status().message());
  return *v;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw config::ConfigError("empty item in list '" + text + "'");
    out.push_back(item);
  }
  if (out.empty()) throw config::ConfigError("empty list");
  if (!text.empty() && text.back() == ',') throw config::ConfigError("empty item in list '" + text + "'");
  return out;
}

bool parse_flags(int argc, char** argv, const po::options_description& desc, po::variables_map& vm,
                 const std::string& usage) {
  const po::positional_options_description no_positionals;
  po::store(po::command_line_parser(argc - 1, argv + 1).options(desc).positional(no_positionals).run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n" << desc;
    return false;
  }
  po::notify(vm);
  return true;
}

}  // namespace rpbench

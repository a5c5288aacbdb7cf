#include "harness/probe_flags.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace rpbench {

namespace po = boost::program_options;

uint64_t parse_size(const std::string& text) {
  size_t pos = 0;
  unsigned long long n = 0;
  try {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) throw std::invalid_argument(text);
    n = std::stoull(text, &pos);
  } catch (const std::exception&) {
    throw UsageError("bad size '" + text + "' (expected e.g. 64M, 1G, 4096)");
  }
  std::string suffix = text.substr(pos);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::toupper(c); });
  int shift = 0;
  if (suffix.empty()) shift = 0;
  else if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else if (suffix == "T") shift = 40;
  else throw UsageError("bad size '" + text + "' (suffix must be K, M, G or T)");
  if (n == 0) throw UsageError("size '" + text + "' must be > 0");
  if (shift > 0 && n > (~0ull >> shift)) throw UsageError("size '" + text + "' is too large");
  return static_cast<uint64_t>(n) << shift;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw UsageError("empty item in list '" + text + "'");
    out.push_back(item);
  }
  if (out.empty()) throw UsageError("empty list");
  if (!text.empty() && text.back() == ',') throw UsageError("empty item in list '" + text + "'");
  return out;
}

std::string format_size(uint64_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  int u = 0;
  double v = static_cast<double>(bytes);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (v == static_cast<double>(static_cast<uint64_t>(v))) {
    std::snprintf(buf, sizeof buf, "%.0f%s", v, units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
  }
  return buf;
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

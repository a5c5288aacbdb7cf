// Flag helpers shared by the `rpbench probe <name>` commands: the usage error (one line on stderr,
// exit 2), sizes with K/M/G/T suffixes, comma-separated lists, and boost::program_options parsing
// with --help.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace rpbench {

// A bad flag value: reported in one line, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "256M" -> 268435456. Suffixes K, M, G, T (powers of 1024), case-insensitive; no suffix = bytes.
// Throws UsageError for anything else, for 0 and on overflow.
uint64_t parse_size(const std::string& text);

// "a,b,c" -> {"a", "b", "c"}; UsageError on an empty list or an empty item.
std::vector<std::string> split_list(const std::string& text);

// 268435456 -> "256M"; 24034050048 -> "22.4G".
std::string format_size(uint64_t bytes);

// Parses argv[1..] (argv[1] is the probe name) against desc. Returns false if --help was shown
// (usage and desc printed on stdout). Throws boost::program_options::error on a bad flag.
bool parse_flags(int argc, char** argv, const boost::program_options::options_description& desc,
                 boost::program_options::variables_map& vm, const std::string& usage);

}  // namespace rpbench

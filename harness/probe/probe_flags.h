// Flag helpers shared by the `rpbench probe <name>` commands: sizes with K/M/G/T suffixes and
// comma-separated lists (a bad value throws config::ConfigError: one line on stderr, exit 2), and
// boost::program_options parsing with --help.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/config_error.h"
#include "base/sizes.h"

namespace rpbench {

// base/sizes.h's parse_size, throwing config::ConfigError on a bad size (a flag's value).
uint64_t parse_size_flag(const std::string& text);

// "a,b,c" -> {"a", "b", "c"}; config::ConfigError on an empty list or an empty item.
std::vector<std::string> split_list(const std::string& text);

// Parses argv[1..] (argv[1] is the probe name) against desc. Returns false if --help was shown
// (usage and desc printed on stdout). Throws boost::program_options::error on a bad flag.
bool parse_flags(int argc, char** argv, const boost::program_options::options_description& desc,
                 boost::program_options::variables_map& vm, const std::string& usage);

}  // namespace rpbench

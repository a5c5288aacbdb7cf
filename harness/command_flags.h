// Parsing a subcommand's flags (boost::program_options) the one way every subcommand does: a
// bad flag is one line on stderr, "error: ... (see --help)", and exit status 2.
#pragma once
#include <boost/program_options.hpp>

namespace rpbench {

// Parses argv into vm; on a bad flag prints the line, sets *status to 2 and returns false.
bool parse_command_flags(int argc, char** argv, const boost::program_options::options_description& opts,
                         const boost::program_options::positional_options_description& pos,
                         boost::program_options::variables_map& vm, int* status);

}  // namespace rpbench

#include "harness/command_flags.h"

#include <cstdio>

namespace rpbench {

bool parse_command_flags(int argc, char** argv, const boost::program_options::options_description& opts,
                         const boost::program_options::positional_options_description& pos,
                         boost::program_options::variables_map& vm, int* status) {
  namespace po = boost::program_options;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::fprintf(stderr, "error: %s (see --help)\n", e.what());
    *status = 2;
    return false;
  }
}

}  // namespace rpbench

// The command line: `rpbench run | validate | list | sample | merge | probe`, each with --help.
// Returns the process exit status: 0 success, 1 the experiment failed, 2 bad input (one line on
// stderr naming what was wrong).
#pragma once

namespace rpbench {

int cli_main(int argc, char** argv);

}  // namespace rpbench

// `rpbench probe <name> [flags]`: the probe experiments (fork cost, single page-fault costs).
// Each prints a short table on stdout and writes its result atomically as JSON (default
// results/probe/<name>.json).
#pragma once

namespace rpbench {

// argv[0] is "probe", argv[1] the probe name ("fork" or "faults"). Returns 0 on success (and for
// --help), 2 for bad flags or an unknown probe (one line on stderr), 1 when the run fails.
int probe_main(int argc, char** argv);

}  // namespace rpbench

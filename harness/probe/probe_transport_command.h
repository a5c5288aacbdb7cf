// The command `rpbench probe transport [flags]` (see --help): flags to a TransportProbeConfig, the
// run printed through the console reporter, the result document written atomically.
#pragma once
#include "base/status.h"

namespace rpbench::probe {

// argv[0] "probe", argv[1] "transport", then flags. Ok after a run (or --help); the run's error
// when it fails (probe_main() prints it, exit 1). A bad flag throws config::ConfigError
// (base/config_error.h) or boost::program_options::error (exit 2).
Status run_transport_probe_command(int argc, char** argv);

}  // namespace rpbench::probe

// `rpbench sample CONFIG.json --ops N [--out FILE] [--format binary|csv]`: writes the op stream a
// config would generate (its client threads' streams dealt round-robin, as a replay deals them
// back) and prints a summary: distinct keys, share of ops on the hottest 1% and 10% of keys, the
// value-size histogram. This is how a user sees what a theta means.
#pragma once

namespace rpbench {

int sample_main(int argc, char** argv);

}  // namespace rpbench

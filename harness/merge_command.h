// `rpbench merge A.json B.json ... --out M.json`: reads the clients' results, joins them
// (harness/merge_results.h) and writes the merged result atomically. Exit status 0, 2 for bad
// input (a file that cannot be read or is not JSON, results that cannot be merged), 1 when the
// result cannot be written.
#pragma once

namespace rpbench {

int merge_main(int argc, char** argv);

}  // namespace rpbench

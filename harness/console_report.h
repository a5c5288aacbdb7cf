// The console reporter of an experiment: one line per phase (ops, ops/s, percentiles, normal vs
// during snapshot) and one per snapshot, from the Result the driver produced. The JSON writer
// (result.h) is the other reporter of the same Result; neither measures anything.
#pragma once
#include <cstdio>

#include "harness/result.h"

namespace rpbench {

void print_console_report(const Result& r, std::FILE* out);

}  // namespace rpbench

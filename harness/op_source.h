// Where a client thread's operations come from: the load sequence (inserts of ids t, t+T, ...),
// the workload generator (OpStream), or a recorded trace replayed (every T-th op for thread t).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "base/status_or.h"
#include "workloads/op.h"
#include "workloads/spec.h"

namespace rpbench {

class OpSource {
 public:
  virtual ~OpSource() = default;
  // The next op, or false when the source is exhausted (load complete, trace at its end) or
  // failed (a corrupt trace record): then status() says why.
  virtual bool next(workloads::Op* op) = 0;
  virtual Status status() const { return Status::Ok(); }
};

// Inserts of key ids [0, keys) that belong to thread t of T (id % T == t), version 0.
std::unique_ptr<OpSource> make_load_source(const workloads::WorkloadSpec& spec, uint64_t keys, uint32_t thread,
                                           uint32_t threads);
// The generator's stream for thread t of T, or (trace non-empty) the trace's ops for that thread;
// an error when the trace cannot be read or does not check out.
StatusOr<std::unique_ptr<OpSource>> make_run_source(const workloads::WorkloadSpec& spec, const std::string& trace,
                                                    uint32_t thread, uint32_t threads);

}  // namespace rpbench

// The "probe" section of a `rpbench probe transport` result document (kind probe-transport,
// schema/result.schema.json) from the run's result: the one place its keys are written.
#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/probe/probe_transport_result.h"

namespace rpbench::probe {

nlohmann::json transport_probe_json(const TransportProbeResult& result);

// "memcpy", "socket_stream": the result's baseline.kind.
std::string_view baseline_kind_name(BaselineKind kind);

}  // namespace rpbench::probe

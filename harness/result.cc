#include "harness/result.h"

#include "harness/contest_score.h"
#include "harness/result_io.h"

namespace rpbench {

using nlohmann::json;

namespace {

json null_if(bool unknown, const json& v) { return unknown ? json(nullptr) : v; }
json str_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
json error_or_null(const Status& s) { return s.ok() ? json(nullptr) : json(s.message()); }

json to_json(const RecoveryRecord& r) {
  const auto& rep = r.report;
  json j{{"ok", rep.ok()},
         {"error", error_or_null(rep.status)},
         {"duration_ms", r.duration_ms},
         {"bytes", or_null(rep.bytes)},
         {"keys", or_null(rep.keys)},
         {"mb_per_s", null_if(!rep.bytes || r.duration_ms <= 0,
                              rep.bytes ? static_cast<double>(*rep.bytes) / 1e6 / (r.duration_ms / 1e3) : 0.0)},
         {"source", str_or_null(rep.source)},
         {"extra", rep.extra}};
  return j;
}

json to_json(const CompactRecord& c) {
  return {{"ok", c.report.ok()},
          {"error", error_or_null(c.report.status)},
          {"duration_ms", c.duration_ms},
          {"extra", c.report.extra}};
}

}  // namespace

json to_json(const SnapshotRecord& s) {
  const auto& rep = s.report;
  const double write_ms = rep.child_duration_ms.value_or(0) > 0 ? *rep.child_duration_ms : s.duration_ms;
  json j{{"index", s.index},
         {"engine", s.engine},
         {"started_ms", s.started_ms},
         {"ok", rep.ok()},
         {"error", error_or_null(rep.status)},
         {"fork_us", or_null(rep.fork_us)},
         {"fork_us_source", rep.fork_us_source},
         {"duration_ms", s.duration_ms},
         {"child_duration_ms", or_null(rep.child_duration_ms)},
         {"bytes", or_null(rep.bytes)},
         {"mb_per_s", null_if(!rep.bytes || write_ms <= 0,
                              rep.bytes ? static_cast<double>(*rep.bytes) / 1e6 / (write_ms / 1e3) : 0.0)},
         {"cow_bytes", or_null(rep.cow_bytes)},
         {"digest", str_or_null(rep.digest)},
         {"location", str_or_null(rep.location)},
         {"extra", rep.extra}};
  for (const auto& [k, v] : s.probe.items()) j[k] = v;  // parent faults, THP deltas, RSS
  return j;
}

json to_json(const Result& r) {
  json phases = json::array();
  for (const auto& p : r.phases) {
    json j{{"name", p.name},
           {"type", p.type},
           {"threads", p.threads},
           {"ops", p.ops},
           {"errors", p.errors},
           {"not_found", p.not_found},
           {"duration_s", p.duration_s},
           {"started_unix_ms", p.started_unix_ms},
           {"ops_per_s", p.duration_s > 0 ? static_cast<double>(p.ops) / p.duration_s : 0.0}};
    if (!p.first_error.empty()) j["first_error"] = p.first_error;
    if (p.measures_ops) {
      const auto& pc = p.pacing;
      j["pacing"] = {{"loop", pc.open_loop ? "open" : "closed"},
                     {"arrival", pc.open_loop ? json(pc.poisson ? "poisson" : "uniform") : json(nullptr)},
                     {"target_ops_per_s", pc.open_loop ? json(pc.target_ops_per_s) : json(nullptr)},
                     {"achieved_ops_per_s", pc.achieved_ops_per_s},
                     {"kept_up", pc.kept_up}};
      j["latency"] = {{"all", measure::to_json(p.all)}};
      if (p.split_by_snapshot) {
        j["latency"]["normal"] = measure::to_json(p.normal);
        j["latency"]["during_snapshot"] = measure::to_json(p.during_snapshot);
      }
      if (pc.open_loop) j["service_time"] = {{"all", measure::to_json(p.service)}};
      json per_op = json::object();
      for (const auto& [name, h] : p.per_op)
        if (h.count() > 0) per_op[name] = measure::to_json(h);
      j["op_latency"] = per_op;
    }
    if (p.timeline) j["timeline"] = {{"interval_ms", p.timeline_interval_ms}, {"intervals", p.timeline->to_json()}};
    if (!p.events.empty() || p.type == "run" || p.type == "snapshot") {
      json ev = json::array();
      for (const auto& e : p.events) ev.push_back({{"t_ms", e.t_ms}, {"event", e.event}, {"snapshot", e.snapshot}});
      j["events"] = ev;
    }
    if (!p.snapshots.empty() || p.type == "snapshot") {
      json snaps = json::array();
      for (const auto& s : p.snapshots) snaps.push_back(to_json(s));
      j["snapshots"] = snaps;
    }
    if (p.recovery) j["recovery"] = to_json(*p.recovery);
    if (p.compaction) j["compaction"] = to_json(*p.compaction);
    if (p.verify)
      j["verify"] = {{"ok", p.verify->ok},
                     {"expected_digest", p.verify->expected_digest},
                     {"actual_digest", p.verify->actual_digest},
                     {"expected_from", p.verify->expected_from},
                     {"sampled_keys", p.verify->sampled_keys},
                     {"sample_mismatches", p.verify->sample_mismatches},
                     {"sample_note", str_or_null(p.verify->sample_note)}};
    phases.push_back(std::move(j));
  }
  // The experiment-level recovery summary: the last recover phase, verified by a verify after it.
  json recovery = nullptr;
  for (const auto& p : r.phases) {
    if (p.recovery) {
      const auto& rep = p.recovery->report;
      recovery = {{"duration_ms", p.recovery->duration_ms},
                  {"bytes", or_null(rep.bytes)},
                  {"keys", or_null(rep.keys)},
                  {"verified", nullptr},
                  {"digest", nullptr}};
    }
    if (p.verify && !recovery.is_null()) {
      recovery["verified"] = p.verify->ok;
      recovery["digest"] = p.verify->actual_digest;
    }
  }
  json out{{"schema_version", kResultSchemaVersion},
           {"kind", "experiment"},
           {"context", r.context},
           {"config", r.config},
           {"phases", phases},
           {"recovery", recovery},
           {"engine", r.engine}};
  if (const auto score = contest_score(r)) out["contest_score"] = to_json(*score);
  return out;
}

}  // namespace rpbench

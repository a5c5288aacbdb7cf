#include "harness/merge_results.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "measure/histogram.h"

namespace rpbench {
namespace {

using nlohmann::json;

constexpr const char* kTimelineNote =
    "merged from several clients, aligned by wall-clock start: ops summed, max_ns exact; p50_ns and p99_ns are the "
    "largest client's (an upper bound of the union's quantile)";

Status refuse(const std::string& why) { return Status::InvalidArgument(why); }

json experiment_of(const json& doc) {
  json c = doc.value("config", json::object());
  if (c.contains("workload") && c["workload"].is_object()) c["workload"].erase("client");
  return c;
}

double num(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0; }

json merge_histograms(const std::vector<const json*>& hs) {
  measure::Histogram m;
  for (const json* h : hs) m.merge(measure::Histogram::from_json(*h));
  return measure::to_json(m);
}

// The histograms at `section`.`key` of every phase that has one.
std::vector<const json*> histograms_at(const std::vector<const json*>& phases, const char* section,
                                       const std::string& key) {
  std::vector<const json*> out;
  for (const json* p : phases)
    if (p->contains(section) && (*p)[section].contains(key)) out.push_back(&(*p)[section][key]);
  return out;
}

StatusOr<json> merge_timelines(const std::vector<const json*>& phases) {
  const double interval = (*phases[0])["timeline"].value("interval_ms", 0.0);
  if (!(interval > 0)) return refuse("a timeline without interval_ms");
  double t0 = std::numeric_limits<double>::infinity();
  for (const json* p : phases) {
    if (!p->contains("timeline"))
      return refuse("phase " + p->value("name", std::string("?")) + ": a client has no timeline");
    if ((*p)["timeline"].value("interval_ms", 0.0) != interval) return refuse("the clients' timeline intervals differ");
    if (!p->contains("started_unix_ms"))
      return refuse("a phase without started_unix_ms (written before rpbench merge existed)");
    t0 = std::min(t0, (*p)["started_unix_ms"].get<double>());
  }
  std::map<int64_t, json> bins;
  for (const json* p : phases) {
    const double offset = (*p)["started_unix_ms"].get<double>() - t0;
    for (const json& iv : (*p)["timeline"]["intervals"]) {
      const int64_t k = std::llround((num(iv, "t_ms") + offset) / interval);
      json& b = bins[k];
      if (b.is_null())
        b = {{"t_ms", static_cast<double>(k) * interval},
             {"ops", 0},
             {"p50_ns", nullptr},
             {"p99_ns", nullptr},
             {"max_ns", nullptr}};
      const uint64_t ops = iv.value("ops", uint64_t{0});
      b["ops"] = b["ops"].get<uint64_t>() + ops;
      if (ops == 0) continue;
      for (const char* q : {"p50_ns", "p99_ns", "max_ns"})
        if (iv[q].is_number() && (b[q].is_null() || iv[q].get<double>() > b[q].get<double>())) b[q] = iv[q];
    }
  }
  json intervals = json::array();
  const int64_t last = bins.empty() ? -1 : bins.rbegin()->first;
  for (int64_t k = 0; k <= last; ++k) {
    auto it = bins.find(k);
    intervals.push_back(it != bins.end() ? it->second
                                         : json{{"t_ms", static_cast<double>(k) * interval},
                                                {"ops", 0},
                                                {"p50_ns", nullptr},
                                                {"p99_ns", nullptr},
                                                {"max_ns", nullptr}});
  }
  return json{{"interval_ms", interval}, {"intervals", intervals}, {"merged", kTimelineNote}};
}

StatusOr<json> merge_phase(const std::vector<const json*>& phases, const std::vector<std::string>& names) {
  const json& first = *phases[0];
  const std::string name = first.value("name", std::string("?")), type = first.value("type", std::string("?"));
  if (type != "load" && type != "run")
    return refuse("phase " + name + " is a " + type +
                  " phase: its figures are each client's own and cannot be summed (merge results of load and run "
                  "phases)");
  json m = first;
  uint64_t ops = 0, errors = 0, not_found = 0, threads = 0;
  double duration = 0, rate = 0, target = 0, achieved = 0, started = std::numeric_limits<double>::infinity();
  bool kept_up = true, has_target = false;
  std::string first_error;
  for (size_t i = 0; i < phases.size(); ++i) {
    const json& p = *phases[i];
    if (p.value("name", std::string()) != name || p.value("type", std::string()) != type)
      return refuse(names[i] + ": its phases differ from " + names[0] + "'s (" + p.value("name", std::string("?")) +
                    " vs " + name + ")");
    if (p.contains("snapshots") && !p["snapshots"].empty())
      return refuse(names[i] + ": phase " + name + " took snapshots: each client's own, not mergeable");
    ops += p.value("ops", uint64_t{0});
    errors += p.value("errors", uint64_t{0});
    not_found += p.value("not_found", uint64_t{0});
    threads += p.value("threads", uint64_t{0});
    duration = std::max(duration, num(p, "duration_s"));
    rate += num(p, "ops_per_s");
    started = std::min(started, num(p, "started_unix_ms"));
    if (p.contains("pacing")) {
      const json& pc = p["pacing"];
      achieved += num(pc, "achieved_ops_per_s");
      kept_up = kept_up && pc.value("kept_up", true);
      if (pc["target_ops_per_s"].is_number()) {
        has_target = true;
        target += pc["target_ops_per_s"].get<double>();
      }
    }
    if (first_error.empty() && p.contains("first_error"))
      first_error = names[i] + ": " + p["first_error"].get<std::string>();
  }
  m["ops"] = ops;
  m["errors"] = errors;
  m["not_found"] = not_found;
  m["threads"] = threads;
  m["duration_s"] = duration;
  m["ops_per_s"] = rate;
  m["started_unix_ms"] = started;
  if (!first_error.empty()) m["first_error"] = first_error;
  if (m.contains("pacing")) {
    m["pacing"]["achieved_ops_per_s"] = achieved;
    m["pacing"]["kept_up"] = kept_up;
    if (has_target) m["pacing"]["target_ops_per_s"] = target;
  }
  if (m.contains("latency"))
    for (const auto& [key, _] : first["latency"].items())
      m["latency"][key] = merge_histograms(histograms_at(phases, "latency", key));
  if (m.contains("service_time"))
    m["service_time"]["all"] = merge_histograms(histograms_at(phases, "service_time", "all"));
  if (m.contains("op_latency")) {
    std::set<std::string> ops_seen;
    for (const json* p : phases)
      if (p->contains("op_latency"))
        for (const auto& [key, _] : (*p)["op_latency"].items()) ops_seen.insert(key);
    json per_op = json::object();
    for (const std::string& key : ops_seen) per_op[key] = merge_histograms(histograms_at(phases, "op_latency", key));
    m["op_latency"] = per_op;
  }
  if (m.contains("timeline")) {
    StatusOr<json> t = merge_timelines(phases);
    if (!t.ok()) return t.status();
    m["timeline"] = *t;
  }
  return m;
}

StatusOr<json> merge_checked(const std::vector<NamedResult>& results) {
  if (results.size() < 2) return refuse("merge needs the results of at least two clients");
  std::vector<std::string> names;
  std::vector<const NamedResult*> by_client;
  uint32_t count = 0;
  std::set<uint32_t> seen;
  for (const NamedResult& r : results) {
    const json& d = r.doc;
    if (!d.is_object() || d.value("kind", std::string()) != "experiment")
      return refuse(r.name + ": not an experiment result");
    if (d.contains("error")) return refuse(r.name + ": a failed experiment (" + d["error"].dump() + ")");
    if (d.value("schema_version", 0) != results[0].doc.value("schema_version", 0))
      return refuse(r.name + ": schema version differs from " + results[0].name + "'s");
    const json c = d.value("context", json::object());
    if (!c.contains("client") || !c["client"].contains("index") || !c["client"].contains("count"))
      return refuse(r.name + ": no context.client (not run with workload.client I/N, or by an older rpbench)");
    const uint32_t index = c["client"]["index"].get<uint32_t>(), n = c["client"]["count"].get<uint32_t>();
    if (count == 0) count = n;
    if (n != count)
      return refuse(r.name + ": client of " + std::to_string(n) + ", the first of " + std::to_string(count));
    if (!seen.insert(index).second) return refuse(r.name + ": client " + std::to_string(index) + " given twice");
    if (experiment_of(d) != experiment_of(results[0].doc))
      return refuse(r.name + ": not the same experiment as " + results[0].name +
                    " (the configs differ beyond workload.client)");
    by_client.push_back(&r);
  }
  if (seen.size() != count)
    return refuse("expected the results of all " + std::to_string(count) + " clients, got " +
                  std::to_string(seen.size()));
  std::sort(by_client.begin(), by_client.end(), [](const NamedResult* a, const NamedResult* b) {
    return a->doc["context"]["client"]["index"].get<uint32_t>() < b->doc["context"]["client"]["index"].get<uint32_t>();
  });
  for (const NamedResult* r : by_client) names.push_back(r->name);
  const json& base = by_client[0]->doc;
  for (size_t k = 0; k < by_client.size(); ++k)
    if (!by_client[k]->doc.contains("phases") || !by_client[k]->doc["phases"].is_array())
      return refuse(names[k] + ": no phases");
  const size_t phase_count = base["phases"].size();
  json phases = json::array();
  for (size_t i = 0; i < phase_count; ++i) {
    std::vector<const json*> ps;
    for (size_t k = 0; k < by_client.size(); ++k) {
      const json& all = by_client[k]->doc["phases"];
      if (all.size() != phase_count) return refuse(names[k] + ": a different number of phases than " + names[0]);
      ps.push_back(&all[i]);
    }
    StatusOr<json> m = merge_phase(ps, names);
    if (!m.ok()) return m.status();
    phases.push_back(std::move(*m));
  }
  json out = base;
  out.erase("contest_score");
  out["phases"] = phases;
  out["recovery"] = nullptr;
  out["engine"] = json::object();
  out["context"]["client"] = {{"count", count}, {"merged", true}};
  json clients = json::array();
  for (const NamedResult* r : by_client)
    clients.push_back({{"file", r->name},
                       {"index", r->doc["context"]["client"]["index"]},
                       {"context", r->doc["context"]},
                       {"engine", r->doc.value("engine", json::object())}});
  out["merged"] = {{"clients", clients}};
  return out;
}

}  // namespace

StatusOr<json> merge_results(const std::vector<NamedResult>& results) {
  try {
    return merge_checked(results);
  } catch (const std::exception& e) {  // a field or histogram of the wrong shape
    return refuse(std::string("a result is malformed: ") + e.what());
  }
}

}  // namespace rpbench

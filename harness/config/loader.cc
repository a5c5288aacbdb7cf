#include "harness/config/loader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/config_error.h"
#include "base/errno_text.h"
#include "engines/registry.h"
#include "harness/config/fields.h"
#include "harness/config/json_scan.h"
#include "harness/config/presets.h"
#include "transport/remote_memory.h"
#include "workloads/spec.h"

namespace rpbench::config {

using nlohmann::json;

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

namespace {

std::string show(const json& v) {
  // Replacing what is not UTF-8 (U+FFFD) instead of throwing: an error message never fails.
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // not inside a character
    s = s.substr(0, cut) + "...";
  }
  return s;
}

[[noreturn]] void fail(const std::string& path, const std::string& msg) { throw ConfigError(path, msg); }

[[noreturn]] void fail_expected(const std::string& path, const Field& f, const json& got) {
  std::string msg = "expected " + describe_expected(f) + ", got " + show(got);
  if (f.type == FieldType::kEnum && got.is_string()) {
    const std::string m = closest_match(got.get<std::string>(), f.choices);
    if (!m.empty()) msg += " (did you mean \"" + m + "\"?)";
  }
  fail(path, msg);
}

bool integral(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18;
  }
  return false;
}

// Checks one leaf against its declaration; returns the value normalised (integral floats such as
// 1e6 become integers).
json check_leaf(const std::string& path, const Field& f, const json& v) {
  switch (f.type) {
    case FieldType::kBool:
      if (!v.is_boolean()) fail_expected(path, f, v);
      return v;
    case FieldType::kString:
      if (!v.is_string()) fail_expected(path, f, v);
      return v;
    case FieldType::kEnum:
      if (!v.is_string() || std::find(f.choices.begin(), f.choices.end(), v.get<std::string>()) == f.choices.end())
        fail_expected(path, f, v);
      return v;
    case FieldType::kInt: {
      if (!integral(v)) fail_expected(path, f, v);
      const double d = v.get<double>();
      if (d < f.min || d > f.max) fail_expected(path, f, v);
      if (v.is_number_float()) return json(static_cast<int64_t>(d));
      return v;
    }
    case FieldType::kNumber: {
      if (!v.is_number()) fail_expected(path, f, v);
      const double d = v.get<double>();
      if (d < f.min || d > f.max || (f.min_exclusive && d == f.min)) fail_expected(path, f, v);
      return v;
    }
    case FieldType::kNumberList: {
      if (!v.is_array()) fail_expected(path, f, v);
      for (size_t i = 0; i < v.size(); ++i) {
        const auto& e = v[i];
        if (!e.is_number() || e.get<double>() < f.min || e.get<double>() > f.max)
          fail_expected(path + "[" + std::to_string(i) + "]", f, e);
      }
      return v;
    }
    case FieldType::kObject:
      if (!v.is_object()) fail_expected(path, f, v);
      return v;
    case FieldType::kBuckets: {
      if (!v.is_array() || v.empty()) fail_expected(path, f, v);
      double sum = 0;
      json out = json::array();
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string p = path + "[" + std::to_string(i) + "]";
        const auto& b = v[i];
        if (!b.is_array() || b.size() != 3) fail(p, "expected [lo, hi, weight], got " + show(b));
        if (!integral(b[0]) || !integral(b[1]) || b[0].get<double>() < f.min || b[1].get<double>() > f.max)
          fail(p, "expected integer bounds lo, hi in [" + std::to_string(static_cast<long long>(f.min)) + ", " +
                      std::to_string(static_cast<long long>(f.max)) + "], got " + show(b));
        if (b[0].get<double>() > b[1].get<double>()) fail(p, "expected lo <= hi, got " + show(b));
        if (!b[2].is_number() || b[2].get<double>() < 0 || b[2].get<double>() > 1)
          fail(p, "expected a weight in [0, 1], got " + show(b[2]));
        sum += b[2].get<double>();
        out.push_back(
            json::array({static_cast<int64_t>(b[0].get<double>()), static_cast<int64_t>(b[1].get<double>()), b[2]}));
      }
      if (std::fabs(sum - 1.0) > 1e-6) {
        std::ostringstream os;
        os << "bucket weights sum to " << sum << ", expected 1";
        fail(path, os.str());
      }
      return out;
    }
  }
  return v;
}

// The type and range checks, then the field's own check.
json check_field(const std::string& path, const Field& f, const json& v) {
  json checked = check_leaf(path, f, v);
  if (f.check) {
    if (const std::string problem = f.check(checked); !problem.empty()) fail(path, problem);
  }
  return checked;
}

// Declared fields with full dotted paths (engine fields included) for one engine type.
struct Declarations {
  std::map<std::string, Field> leaves;  // full path -> field
  std::set<std::string> objects;        // full paths that are objects ("", "dataset", "dataset.value_size", ...)
  std::map<std::string, std::vector<std::string>> children;  // object path -> child names

  void add(const std::string& section, const Field& f) {
    const std::string full = section.empty() ? f.path : section + "." + f.path;
    Field copy = f;
    copy.path = full;
    leaves[full] = copy;
    std::string parent;
    size_t start = 0;
    while (true) {
      const size_t dot = full.find('.', start);
      const std::string name = full.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto& kids = children[parent];
      if (std::find(kids.begin(), kids.end(), name) == kids.end()) kids.push_back(name);
      objects.insert(parent);
      if (dot == std::string::npos) break;
      parent = full.substr(0, dot);
      start = dot + 1;
    }
  }
};

Declarations declarations_for(const EngineEntry& engine) {
  Declarations d;
  for (const auto& s : harness_sections())
    for (const auto& f : s.fields()) d.add(s.name, f);
  for (const auto& f : engine_section().fields()) d.add("engine", f);
  for (const auto& f : engine.options) d.add("engine", f);
  d.children[""].push_back("phases");
  return d;
}

void unknown_key(const std::string& parent, const std::string& key, const std::vector<std::string>& siblings) {
  const std::string path = parent.empty() ? key : parent + "." + key;
  std::string msg = "unknown key";
  const std::string m = closest_match(key, siblings);
  if (!m.empty()) {
    msg += " (did you mean \"" + m + "\"?)";
  } else {
    msg += "; expected one of:";
    for (size_t i = 0; i < siblings.size(); ++i) {
      msg += i ? ", " : " ";
      msg += siblings[i];
    }
  }
  fail(path, msg);
}

// Walks the user's object, validating leaves in place and rejecting unknown keys.
void walk(json& node, const std::string& prefix, const Declarations& d) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string full = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (full == "phases") continue;
    if (auto leaf = d.leaves.find(full); leaf != d.leaves.end()) {
      it.value() = check_field(full, leaf->second, it.value());
    } else if (d.objects.count(full)) {
      if (!it.value().is_object()) fail(full, "expected an object, got " + show(it.value()));
      walk(it.value(), full, d);
    } else {
      unknown_key(prefix, it.key(), d.children.at(prefix));
    }
  }
}

void set_path(json& doc, const std::string& dotted, const json& value) {
  json* cur = &doc;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string name = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      (*cur)[name] = value;
      return;
    }
    cur = &(*cur)[name];
    start = dot + 1;
  }
}

const json* get_path(const json& doc, const std::string& dotted) {
  const json* cur = &doc;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string name = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(name)) return nullptr;
    cur = &(*cur)[name];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

void fill_defaults(json& doc, const Declarations& d) {
  for (const auto& [path, f] : d.leaves) {
    if (f.default_value.is_null() || get_path(doc, path)) continue;
    set_path(doc, path, f.default_value);
  }
}

json default_phases() { return json::array({json{{"type", "load"}}, json{{"type", "run"}, {"duration_s", 5}}}); }

[[noreturn]] void lacks(const std::string& path, const EngineEntry& e, const std::string& what) {
  fail(path, "engine " + std::string(e.info.name) + " cannot " + what +
                 " (its capabilities: " + describe_capabilities(e.info.capabilities) + ")");
}

void resolve_phase_overrides(json& ph, const std::string& base, const json& doc);

// The transport section's cross-field rules: the engine must use remote memory for any transport
// (and have one if it does), memnode must be auto or an address of the transport's kind, the link
// model is shm's, a token fits the handshake.
void check_transport(const json& t, const EngineEntry& engine) {
  const std::string type = t["type"].get<std::string>();
  const bool remote = engine.info.capabilities & kCapRemoteMemory;
  const std::string name(engine.info.name);
  if (type != "none" && !remote)
    fail("transport.type", "engine " + name +
                               " keeps its data in this process and uses no transport; "
                               "expected \"none\", got " +
                               show(t["type"]));
  if (type == "none" && remote)
    fail("transport.type", "engine " + name + " keeps its data in remote memory; expected shm, tcp or verbs");
  const std::string memnode = t["memnode"].get<std::string>();
  if (const std::string problem = transport::memnode_problem(type == "none" ? "tcp" : type, memnode); !problem.empty())
    fail("transport.memnode", problem);
  if (memnode == "auto" && t["region"].get<int64_t>() != 0)
    fail("transport.region",
         "the auto memory node has one region, 0: a region index is for a node the harness did "
         "not start (memnode HOST:PORT or unix:PATH)");
  const bool link = t["link"]["bandwidth_gbps"].get<double>() > 0 || t["link"]["latency_us"].get<double>() > 0;
  if (link && type != "shm")
    fail("transport.link", "the link model emulates a NIC on shm only; transport.type is " + show(t["type"]));
  if (t.contains("token")) {
    const size_t n = t["token"].get<std::string>().size();
    if (n == 0 || n > 32) fail("transport.token", "expected 1 to 32 bytes, got " + std::to_string(n));
  }
  if (t["chunk_bytes"].get<int64_t>() > t["region_bytes"].get<int64_t>() && memnode == "auto")
    fail("transport.chunk_bytes", "larger than transport.region_bytes");
}

void check_phases(json& doc, const EngineEntry& engine) {
  if (!doc.contains("phases")) doc["phases"] = default_phases();
  json& phases = doc["phases"];
  if (!phases.is_array() || phases.empty()) fail("phases", "expected a non-empty list of phases, got " + show(phases));
  std::vector<std::string> names;
  for (const auto& pf : phase_fields()) names.push_back(pf.field.path);
  bool snapshot_seen = false;
  bool recover_seen = false;
  std::map<std::string, int> type_count;
  for (size_t i = 0; i < phases.size(); ++i) {
    const std::string base = "phases[" + std::to_string(i) + "]";
    json& ph = phases[i];
    if (!ph.is_object()) fail(base, "expected an object with a \"type\", got " + show(ph));
    if (!ph.contains("type")) fail(base + ".type", "missing; expected one of load, run, snapshot, recover, verify");
    const Field& type_field = phase_fields()[0].field;
    check_field(base + ".type", type_field, ph["type"]);
    const std::string type = ph["type"].get<std::string>();
    for (auto it = ph.begin(); it != ph.end(); ++it) {
      const std::string p = base + "." + it.key();
      const auto pf = std::find_if(phase_fields().begin(), phase_fields().end(),
                                   [&](const PhaseField& x) { return x.field.path == it.key(); });
      if (pf == phase_fields().end()) {
        const std::string m = closest_match(it.key(), names);
        fail(p, "unknown key" + (m.empty() ? std::string() : " (did you mean \"" + m + "\"?)"));
      }
      if (std::find(pf->phase_types.begin(), pf->phase_types.end(), type) == pf->phase_types.end())
        fail(p, "not valid for a " + type + " phase");
      if (pf->field.type == FieldType::kObject) continue;  // checked by resolve_phase_overrides
      it.value() = check_field(p, pf->field, it.value());
    }
    for (const auto& pf : phase_fields()) {
      if (pf.field.default_value.is_null() || ph.contains(pf.field.path)) continue;
      if (std::find(pf.phase_types.begin(), pf.phase_types.end(), type) != pf.phase_types.end())
        ph[pf.field.path] = pf.field.default_value;
    }
    resolve_phase_overrides(ph, base, doc);
    if (!ph.contains("name")) {
      const int n = ++type_count[type];
      ph["name"] = n == 1 ? type : type + "-" + std::to_string(n);
    }
    if (type == "run") {
      if (!ph.contains("duration_s") && !ph.contains("ops")) fail(base, "a run phase needs duration_s or ops");
      const bool snaps = ph.contains("snapshot_at_s") && !ph["snapshot_at_s"].empty();
      if (snaps && ph.contains("duration_s")) {
        const double dur = ph["duration_s"].get<double>();
        for (size_t k = 0; k < ph["snapshot_at_s"].size(); ++k)
          if (ph["snapshot_at_s"][k].get<double>() >= dur)
            fail(base + ".snapshot_at_s[" + std::to_string(k) + "]",
                 "expected a time before the end of the phase (duration_s " + show(ph["duration_s"]) + "), got " +
                     show(ph["snapshot_at_s"][k]));
      }
      if (snaps || ph.contains("snapshot_every_ops")) {
        if (!(engine.info.capabilities & kCapSnapshot)) lacks(base, engine, "snapshot");
        snapshot_seen = true;
      }
    } else if (type == "snapshot") {
      if (!(engine.info.capabilities & kCapSnapshot)) lacks(base, engine, "snapshot");
      snapshot_seen = true;
    } else if (type == "recover") {
      if (!(engine.info.capabilities & kCapRecovery)) lacks(base, engine, "recover");
      // A remote-memory engine's snapshot outlives the process: a named memory node may hold one
      // an earlier run wrote (an auto node starts empty).
      const bool remote_snapshot = (engine.info.capabilities & kCapRemoteMemory) && doc.contains("transport") &&
                                   doc["transport"].value("memnode", std::string("auto")) != "auto";
      if (!snapshot_seen && !remote_snapshot)
        fail(base, (engine.info.capabilities & kCapRemoteMemory)
                       ? "a recover phase needs a snapshot before it (a snapshot phase or snapshot_at_s), or a named "
                         "memory node (transport.memnode) holding one an earlier run wrote"
                       : "a recover phase needs a snapshot before it (a snapshot phase or snapshot_at_s)");
      recover_seen = true;
    } else if (type == "compact") {
      if (!(engine.info.capabilities & kCapCompact)) lacks(base, engine, "compact");
    } else if (type == "verify") {
      if (!(engine.info.capabilities & kCapDigest)) lacks(base, engine, "verify (no content digest)");
      if (!recover_seen) fail(base, "a verify phase needs a recover phase before it");
    }
  }
}

// Fills the mix's read share (the remainder) when absent, then the one check of a mix
// (workloads::mix_problem). `path` is where the mix sits ("workload.mix", "phases[2].mix").
void check_mix(json& mix, const std::string& path) {
  double others = 0;
  for (const char* k : {"update", "insert", "delete", "rmw"}) others += mix[k].get<double>();
  if (!mix.contains("read")) {
    double r = 1.0 - others;
    if (r < 0) r = 0;
    r = std::round(r * 1e12) / 1e12;
    mix["read"] = r;
  }
  workloads::MixSpec m;
  m.read = mix["read"].get<double>();
  m.update = mix["update"].get<double>();
  m.insert = mix["insert"].get<double>();
  m.del = mix["delete"].get<double>();
  m.rmw = mix["rmw"].get<double>();
  const std::string problem = workloads::mix_problem(m);  // "mix: ..." or "mix.read: ..."
  if (!problem.empty()) {
    const size_t colon = problem.find(':');
    fail(path + problem.substr(3, colon - 3), problem.substr(colon + 2));
  }
}

void check_value_size(const json& vs, const std::string& path) {
  if (vs["dist"] == "uniform" && vs["min"].get<int64_t>() > vs["max"].get<int64_t>())
    fail(path, "expected min <= max, got min " + show(vs["min"]) + " and max " + show(vs["max"]));
}

// A run or load phase may override parts of the workload for itself: "mix" (replaces the
// workload's mix whole; read defaults to the remainder), "keys" and "value_size" (field by field
// over the experiment's workload.keys and dataset.value_size). The resolved phase shows the
// effective values.
void resolve_phase_overrides(json& ph, const std::string& base, const json& doc) {
  struct Part {
    const char* key;        // key in the phase
    const char* section;    // declaring section
    const char* prefix;     // field prefix inside the section
    const json* inherited;  // experiment-level values (null: none inherited)
  };
  const Part parts[] = {
      {"mix", "workload", "mix.", nullptr},
      {"keys", "workload", "keys.", &doc["workload"]["keys"]},
      {"value_size", "dataset", "value_size.", &doc["dataset"]["value_size"]},
  };
  for (const auto& part : parts) {
    if (!ph.contains(part.key)) continue;
    const std::string path = base + "." + part.key;
    if (!ph[part.key].is_object()) fail(path, "expected an object, got " + show(ph[part.key]));
    Declarations d;
    for (const auto& sec : harness_sections()) {
      if (sec.name != part.section) continue;
      for (const auto& f : sec.fields()) {
        if (f.path.rfind(part.prefix, 0) != 0) continue;
        Field g = f;
        g.path = f.path.substr(std::strlen(part.prefix));
        d.add(path, g);
      }
    }
    walk(ph[part.key], path, d);
    json& obj = ph[part.key];
    if (part.inherited) {
      for (auto it = part.inherited->begin(); it != part.inherited->end(); ++it)
        if (!obj.contains(it.key())) obj[it.key()] = it.value();
    } else {
      for (const char* k : {"update", "insert", "delete", "rmw"})
        if (!obj.contains(k)) obj[k] = 0.0;
      check_mix(obj, path);
    }
  }
  if (ph.contains("value_size")) check_value_size(ph["value_size"], base + ".value_size");
}

void expand_preset(json& doc) {
  if (!doc.contains("workload") || !doc["workload"].is_object()) return;
  json& wl = doc["workload"];
  if (!wl.contains("preset")) return;
  if (!wl["preset"].is_string()) return;  // the leaf check reports it
  const std::string name = wl["preset"].get<std::string>();
  const json preset = workload_preset(name);
  if (preset.is_null()) return;  // the leaf check reports the unknown name
  if (name == "contest") {
    const json& scale = wl.contains("contest_scale") ? wl["contest_scale"] : json(0.001);
    const json& threads = wl.contains("threads") ? wl["threads"] : json(1);
    if (scale.is_number() && scale.get<double>() > 0 && scale.get<double>() <= 1 && integral(threads) &&
        threads.get<double>() >= 1) {
      const ContestShape shape = contest_shape(scale.get<double>(), threads.get<uint64_t>());
      if (!doc.contains("dataset")) doc["dataset"] = json::object();
      if (doc["dataset"].is_object() && !doc["dataset"].contains("keys")) doc["dataset"]["keys"] = shape.keys;
      // The first write phase's values: the contest's 80-1024-byte mix (the default buckets).
      if (doc["dataset"].is_object() && !doc["dataset"].contains("value_size"))
        doc["dataset"]["value_size"] = {{"dist", "buckets"}};
      if (!doc.contains("phases")) doc["phases"] = contest_phases(shape);
    }
  }
  // The section's own fields override the preset's field by field; a mix given in the section
  // replaces the preset's mix as a whole (ratios only make sense together).
  json merged = preset;
  for (auto it = wl.begin(); it != wl.end(); ++it) {
    if (it.key() == "keys" && it.value().is_object() && merged.contains("keys")) {
      for (auto k = it.value().begin(); k != it.value().end(); ++k) merged["keys"][k.key()] = k.value();
    } else {
      merged[it.key()] = it.value();
    }
  }
  wl = merged;
}

// The file's document (named `name`), then the overrides in order, then resolve.
json resolve_with_sets(json doc, const std::string& name, const std::vector<std::string>& sets) {
  if (!doc.is_object()) fail("", name + ": expected a JSON object at the top level, got " + show(doc));
  for (const auto& s : sets) apply_set(doc, s);
  return resolve_config(doc);
}

}  // namespace

json read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("", "cannot read config file " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("", "cannot read config file " + path + ": " + errno_text());
  // At most kMaxConfigBytes (a config is small; /dev/zero is not a config).
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) fail("", "cannot read config file " + path);
  text.resize(static_cast<size_t>(in.gcount()));
  return parse_config_text(text, path);
}

json parse_config_text(const std::string& text, const std::string& name) {
  if (text.size() > kMaxConfigBytes)
    fail("", name + ": larger than " + std::to_string(kMaxConfigBytes >> 20) + " MiB: not a config file");
  if (const auto problem = scan_json_text(text)) fail(problem->path, name + ": " + problem->message);
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::out_of_range& e) {
    fail("", name + ": " + e.what());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the position of the character where parsing failed.
    size_t line = 1, col = 1;
    const size_t upto = std::min(text.size(), e.byte > 0 ? e.byte - 1 : 0);
    for (size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) fail("", name + ": empty file: expected a JSON object");
    // nlohmann's message repeats the position; keep only what went wrong.
    std::string what = e.what();
    const auto pos = what.find(": syntax error");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    fail("", name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": invalid JSON: " + what);
  }
}

void apply_set(json& doc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) fail("--set", "expected PATH=VALUE, got \"" + assignment + "\"");
  std::string path = assignment.substr(0, eq);
  const std::string raw = assignment.substr(eq + 1);
  for (char& c : path)
    if (c == '[') c = '.';
  path.erase(std::remove(path.begin(), path.end(), ']'), path.end());
  // VALUE is JSON when it parses, else a string. No field takes null, so a bare `null` is the
  // string "null" (the engine of that name).
  const std::string shown_path = assignment.substr(0, eq);
  // Keys end up in the resolved config, which is written out as JSON: UTF-8 only, as in a file.
  if (!valid_utf8(shown_path)) fail("--set", "the path given with --set is not valid UTF-8");
  if (!valid_utf8(raw)) fail(shown_path, "the value given with --set is not valid UTF-8");
  if (raw.size() > kMaxConfigBytes) fail(shown_path, "the value given with --set is larger than a config may be");
  if (const auto problem = scan_json_text(raw)) fail(shown_path, problem->message);
  json value;
  try {
    value = json::parse(raw);
  } catch (const json::parse_error&) {
    value = raw;
  } catch (const json::out_of_range& e) {
    fail(shown_path, "expected a number a double can hold, got " + raw);
  }
  if (value.is_null()) value = raw;
  std::vector<std::string> parts;
  std::stringstream ps(path);
  for (std::string part; std::getline(ps, part, '.');) {
    if (part.empty()) fail("--set", "empty component in path \"" + assignment.substr(0, eq) + "\"");
    parts.push_back(part);
  }
  // A path of closing brackets alone ("]", "]]") has no component once they are gone.
  if (parts.empty()) fail("--set", "expected PATH=VALUE with a PATH, got \"" + assignment + "\"");
  if (!doc.is_object()) fail("", "expected the config to be a JSON object, got " + show(doc));
  if (parts[0] == "phases" && !doc.contains("phases")) doc["phases"] = default_phases();
  json* cur = &doc;
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const bool last = i + 1 == parts.size();
    if (cur->is_array()) {
      size_t idx = 0;
      const auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), idx);
      if (p.empty() || err == std::errc::invalid_argument || end != p.data() + p.size() || p[0] == '-' || p[0] == '+')
        fail(walked, "expected a list index, got \"" + p + "\"");
      if (err == std::errc::result_out_of_range || idx >= cur->size())
        fail(walked, "index " + p + " out of range (" + std::to_string(cur->size()) + " entries)");
      walked += "[" + p + "]";
      if (last) {
        (*cur)[idx] = value;
        return;
      }
      cur = &(*cur)[idx];
    } else {
      if (!cur->is_object()) fail(walked, "expected an object, got " + show(*cur));
      if (!walked.empty()) walked += ".";
      walked += p;
      if (last) {
        (*cur)[p] = value;
        return;
      }
      if (!cur->contains(p)) (*cur)[p] = json::object();
      cur = &(*cur)[p];
    }
  }
}

json resolve_config(const json& user) {
  if (!user.is_object()) fail("", "expected the config to be a JSON object, got " + show(user));
  json doc = user;
  // The engine decides which engine.* fields exist: check its type first.
  std::string engine_type = "memory";
  if (doc.contains("engine")) {
    if (!doc["engine"].is_object()) fail("engine", "expected an object, got " + show(doc["engine"]));
    if (doc["engine"].contains("type")) {
      check_field("engine.type", engine_section().fields()[0], doc["engine"]["type"]);
      engine_type = doc["engine"]["type"].get<std::string>();
    }
  }
  const EngineEntry* engine = find_engine(engine_type);
  if (!engine) fail("engine.type", "unknown engine \"" + engine_type + "\"");
  expand_preset(doc);
  const Declarations d = declarations_for(*engine);
  walk(doc, "", d);
  fill_defaults(doc, d);
  check_mix(doc["workload"]["mix"], "workload.mix");
  check_value_size(doc["dataset"]["value_size"], "dataset.value_size");
  check_phases(doc, *engine);
  check_transport(doc["transport"], *engine);
  if (doc["measure"]["memory_limit"] == "fixed" && doc["measure"]["memory_max_bytes"].get<uint64_t>() < (16u << 20))
    fail("measure.memory_max_bytes", "measure.memory_limit fixed needs a limit of at least 16 MiB, got " +
                                         show(doc["measure"]["memory_max_bytes"]));
  if (doc["workload"]["threads"].get<int64_t>() > 1 && !(engine->info.capabilities & kCapConcurrentCallers))
    fail("workload.threads", "engine " + std::string(engine->info.name) +
                                 " does not take concurrent callers; expected 1, got " +
                                 show(doc["workload"]["threads"]));
  if (engine->check) {
    if (const auto problem = engine->check(doc)) fail(problem->path, problem->message);
  }
  return doc;
}

json load_config(const std::string& path, const std::vector<std::string>& sets) {
  return resolve_with_sets(read_config_file(path), path, sets);
}

json load_config_text(const std::string& text, const std::string& name, const std::vector<std::string>& sets) {
  return resolve_with_sets(parse_config_text(text, name), name, sets);
}

}  // namespace rpbench::config

// The config layer: defaults, overrides, presets, did-you-mean, capability checks.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "base/config_error.h"
#include "harness/config/experiment.h"
#include "harness/config/json_scan.h"
#include "harness/config/loader.h"

namespace rpbench::config {
namespace {

using nlohmann::json;

std::string error_of(const json& cfg) {
  try {
    resolve_config(cfg);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, EmptyObjectResolvesToDefaults) {
  const json r = resolve_config(json::object());
  EXPECT_EQ(r["engine"]["type"], "memory");
  EXPECT_EQ(r["dataset"]["key_size"], 16);
  EXPECT_EQ(r["workload"]["keys"]["dist"], "zipfian");
  EXPECT_DOUBLE_EQ(r["workload"]["keys"]["theta"].get<double>(), 0.99);
  EXPECT_DOUBLE_EQ(r["workload"]["mix"]["read"].get<double>(), 1.0);
  ASSERT_EQ(r["phases"].size(), 2u);
  EXPECT_EQ(r["phases"][0]["type"], "load");
  EXPECT_EQ(r["phases"][1]["name"], "run");
  EXPECT_FALSE(r["workload"].contains("trace"));  // no default: stays absent
}

TEST(Config, ReadDefaultsToTheRemainder) {
  const json r = resolve_config({{"workload", {{"mix", {{"update", 0.25}, {"delete", 0.05}}}}}});
  EXPECT_NEAR(r["workload"]["mix"]["read"].get<double>(), 0.70, 1e-12);
}

TEST(Config, MixMustSumToOne) {
  EXPECT_NE(
      error_of({{"workload", {{"mix", {{"read", 0.5}, {"update", 0.2}}}}}}).find("workload.mix: ratios sum to 0.7"),
      std::string::npos);
  EXPECT_NE(error_of({{"workload", {{"mix", {{"update", 0.7}, {"insert", 0.7}}}}}}).find("sum to 1.4"),
            std::string::npos);
}

TEST(Config, IntegralFloatsAreIntegers) {
  const json r = resolve_config({{"dataset", {{"keys", 1e6}}}});
  EXPECT_TRUE(r["dataset"]["keys"].is_number_integer());
  EXPECT_EQ(r["dataset"]["keys"].get<int64_t>(), 1000000);
}

TEST(Config, PresetIsOverriddenFieldByField) {
  const json r = resolve_config({{"workload", {{"preset", "ycsb-d"}, {"keys", {{"theta", 0.5}}}}}});
  EXPECT_EQ(r["workload"]["keys"]["dist"], "latest");
  EXPECT_DOUBLE_EQ(r["workload"]["keys"]["theta"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r["workload"]["mix"]["insert"].get<double>(), 0.05);
  // A mix given in the section replaces the preset's mix whole.
  const json r2 = resolve_config({{"workload", {{"preset", "ycsb-a"}, {"mix", {{"update", 1.0}}}}}});
  EXPECT_DOUBLE_EQ(r2["workload"]["mix"]["read"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(r2["workload"]["mix"]["update"].get<double>(), 1.0);
}

TEST(Config, TheContestPresetSizesTheDatasetAndItsPhasesPerThreadWithTheContestsValueMix) {
  const json r = resolve_config({{"workload", {{"preset", "contest"}, {"contest_scale", 0.001}, {"threads", 2}}}});
  EXPECT_EQ(r["dataset"]["keys"], 24000);                    // 12 M per thread, scaled
  EXPECT_EQ(r["dataset"]["value_size"]["dist"], "buckets");  // 80-1024 bytes, 70/20/10
  ASSERT_EQ(r["dataset"]["value_size"]["buckets"].size(), 3u);
  EXPECT_EQ(r["dataset"]["value_size"]["buckets"][2][1], 1024);
  std::vector<std::string> names;
  for (const auto& p : r["phases"]) names.push_back(p["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"write", "delete", "rewrite", "mixed"}));
  EXPECT_EQ(r["workload"]["keys"]["dist"], "zipfian");
  // A value size of the config's own wins.
  const json own = resolve_config(
      {{"workload", {{"preset", "contest"}}}, {"dataset", {{"value_size", {{"dist", "fixed"}, {"size", 64}}}}}});
  EXPECT_EQ(own["dataset"]["value_size"]["dist"], "fixed");
}

TEST(Config, SetOverridesAnyLeafTypeChecked) {
  json doc = {{"name", "x"}};
  apply_set(doc, "measure.rate=20000");
  apply_set(doc, "workload.keys.dist=uniform");
  apply_set(doc, "phases[1].duration_s=2.5");
  const json r = resolve_config(doc);
  EXPECT_EQ(r["measure"]["rate"], 20000);
  EXPECT_EQ(r["workload"]["keys"]["dist"], "uniform");
  EXPECT_DOUBLE_EQ(r["phases"][1]["duration_s"].get<double>(), 2.5);

  json bad = json::object();
  apply_set(bad, "measure.rate=fast");
  EXPECT_NE(error_of(bad).find("measure.rate: expected a number"), std::string::npos);
  json idx = json::object();
  EXPECT_THROW(apply_set(idx, "phases.9.duration_s=1"), ConfigError);
  EXPECT_THROW(apply_set(idx, "noequals"), ConfigError);
  EXPECT_THROW(apply_set(idx, "a..b=1"), ConfigError);
}

// Found by fuzz_set (fuzz/corpus/fuzz_set/crash-bracket-only-path): a path of brackets alone is no
// path once they are removed; it read past an empty list of components (a crash).
TEST(Config, SetPathOfBracketsAloneIsRefused) {
  json doc = json::object();
  for (const char* assignment : {"]=1", "]]=x", "[]=1", "[=1"}) {
    try {
      apply_set(doc, assignment);
      ADD_FAILURE() << assignment << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.path(), "--set") << assignment;
    }
  }
  EXPECT_EQ(doc, json::object());
}

// Found by fuzz_set (fuzz/corpus/fuzz_set/crash-path-not-utf8): a path that is not UTF-8 became a
// key of the config, and the message about its value threw from the JSON writer instead of
// being a ConfigError. Such a path is refused; a message shows any value, cut between characters.
TEST(Config, SetPathMustBeUtf8AndMessagesShowAnyValue) {
  json doc = json::object();
  try {
    apply_set(doc, "description.rat\xe0]=x");
    ADD_FAILURE() << "a path that is not UTF-8 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.path(), "--set");
    EXPECT_NE(std::string(e.what()).find("not valid UTF-8"), std::string::npos);
  }
  std::string long_value;
  for (int i = 0; i < 40; ++i) long_value += "\xc3\xa9";  // U+00E9, two bytes each
  const std::string e = error_of({{"measure", {{"rate", long_value}}}});
  EXPECT_NE(e.find("measure.rate: expected a number"), std::string::npos) << e;
  EXPECT_TRUE(valid_utf8(e)) << e;
  // A value that is not UTF-8 (built in code; a file or --set cannot bring one) is still shown.
  EXPECT_NE(error_of({{"measure", {{"rate", std::string("\xe0")}}}}).find("measure.rate: expected a number"),
            std::string::npos);
}

TEST(Config, UnknownKeysSuggestTheClosest) {
  EXPECT_NE(error_of({{"dataset", {{"kyes", 5}}}}).find("dataset.kyes: unknown key (did you mean \"keys\"?)"),
            std::string::npos);
  // Far from everything: the valid keys are listed instead.
  const std::string e = error_of({{"measure", {{"zzzzzzzzzz", 1}}}});
  EXPECT_NE(e.find("expected one of:"), std::string::npos);
  EXPECT_NE(e.find("rate"), std::string::npos);
}

TEST(Config, CapabilitiesAreChecked) {
  EXPECT_NE(error_of({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "snapshot"}}}}})
                .find("engine null cannot snapshot"),
            std::string::npos);
  EXPECT_NE(error_of({{"engine", {{"type", "rdb-fork"}}}, {"workload", {{"threads", 2}}}})
                .find("does not take concurrent callers"),
            std::string::npos);
  EXPECT_EQ(error_of({{"engine", {{"type", "null"}}}, {"workload", {{"threads", 2}}}}), "");
}

TEST(Config, PhaseNamesAreUnique) {
  const json r = resolve_config(
      {{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"ops", 10}}, {{"type", "run"}, {"ops", 10}}}}});
  EXPECT_EQ(r["phases"][0]["name"], "run");
  EXPECT_EQ(r["phases"][1]["name"], "run-2");
}

TEST(Config, FileErrorsNameTheFileAndPosition) {
  const std::string path = ::testing::TempDir() + "/rpbench_config_test.json";
  {
    std::ofstream f(path);
    f << "{\n  // a comment is fine\n  \"name\": \"x\",\n  \"seed\": 1,\n}\n";
  }
  try {
    read_config_file(path);
    FAIL() << "trailing comma accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":5:1: invalid JSON"), std::string::npos) << e.what();
  }
  {
    std::ofstream f(path);
    f << "{\n  // a comment is fine\n  \"name\": \"x\" /* and this */\n}\n";
  }
  EXPECT_EQ(read_config_file(path)["name"], "x");
  std::remove(path.c_str());
  EXPECT_THROW(read_config_file(path), ConfigError);
}

TEST(Config, ExperimentIsTyped) {
  const json r = resolve_config({{"engine", {{"type", "null"}}},
                                 {"workload", {{"threads", 3}, {"mix", {{"read", 0.6}, {"rmw", 0.4}}}}},
                                 {"measure", {{"loop", "open"}, {"rate", 1234}, {"arrival", "poisson"}}},
                                 {"phases", {{{"type", "run"}, {"duration_s", 1}, {"snapshot_at_s", json::array()}}}}});
  const ExperimentConfig c = make_experiment(r);
  EXPECT_EQ(c.engine_type, "null");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_TRUE(c.measure.open_loop());
  EXPECT_EQ(c.measure.arrival, measure::Arrival::kPoisson);
  EXPECT_DOUBLE_EQ(c.measure.rate, 1234);
  EXPECT_DOUBLE_EQ(c.workload.mix.rmw, 0.4);
  ASSERT_EQ(c.phases.size(), 1u);
  EXPECT_EQ(c.phases[0].type, PhaseType::kRun);
  EXPECT_DOUBLE_EQ(c.phases[0].duration_s, 1.0);
}

TEST(Config, PhasesOverrideTheWorkload) {
  const json r = resolve_config(json::parse(R"({
    "dataset": {"value_size": {"dist": "fixed", "size": 100}},
    "phases": [
      {"type": "load", "value_size": {"dist": "uniform", "min": 80, "max": 256}},
      {"type": "run", "ops": 10, "mix": {"delete": 1.0}, "keys": {"dist": "sequential"}},
      {"type": "run", "ops": 10}
    ]})"));
  EXPECT_EQ(r["phases"][0]["value_size"]["min"], 80);
  EXPECT_DOUBLE_EQ(r["phases"][1]["mix"]["read"].get<double>(), 0.0);
  EXPECT_EQ(r["phases"][1]["keys"]["dist"], "sequential");
  EXPECT_DOUBLE_EQ(r["phases"][1]["keys"]["theta"].get<double>(), 0.99);  // inherited
  const ExperimentConfig c = make_experiment(r);
  EXPECT_EQ(c.phases[0].workload.value_size.dist, "uniform");
  EXPECT_EQ(c.phases[0].workload.value_size.max, 256u);
  EXPECT_DOUBLE_EQ(c.phases[1].workload.mix.del, 1.0);
  EXPECT_EQ(c.phases[1].workload.keys.dist, "sequential");
  EXPECT_DOUBLE_EQ(c.phases[2].workload.mix.read, 1.0);  // the experiment's own workload
  EXPECT_EQ(c.phases[2].workload.value_size.dist, "fixed");

  EXPECT_NE(error_of({{"phases", {{{"type", "run"}, {"ops", 1}, {"mix", {{"read", 0.5}}}}}}})
                .find("phases[0].mix: ratios sum to 0.5"),
            std::string::npos);
  EXPECT_NE(error_of({{"phases", {{{"type", "run"}, {"ops", 1}, {"keys", {{"thta", 0.5}}}}}}})
                .find("phases[0].keys.thta: unknown key (did you mean \"theta\"?)"),
            std::string::npos);
  EXPECT_NE(error_of({{"phases", {{{"type", "load"}, {"mix", {{"read", 1.0}}}}}}})
                .find("phases[0].mix: not valid for a load phase"),
            std::string::npos);
  EXPECT_NE(
      error_of({{"phases", {{{"type", "run"}, {"ops", 1}, {"keys", 3}}}}}).find("phases[0].keys: expected an object"),
      std::string::npos);
}

TEST(Config, EditDistance) {
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_match("zipfain", {"uniform", "zipfian"}), "zipfian");
  EXPECT_EQ(closest_match("qqqqqqqq", {"uniform", "zipfian"}), "");
}

}  // namespace
}  // namespace rpbench::config

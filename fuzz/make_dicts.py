#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries of fuzz_config and fuzz_set from the config's declarations:
every field path and its components, every enum choice, engine, transport, distribution, preset
and phase type that `rpbench list --fields` names (the fuzzers then splice real keys and values in
instead of guessing them byte by byte). Run when fields change:
    build/rpbench list --fields | fuzz/make_dicts.py fuzz
"""
import re
import sys

HEADER = "# libFuzzer dictionary of {target} (fuzz/make_dicts.py from `rpbench list --fields`; do not edit)\n"
JSON_TOKENS = ["{", "}", "[", "]", ":", ",", "true", "false", "null", "//", "/*", "*/", "0", "-1", "0.5", "1e6", "1e999"]
SET_TOKENS = ["=", ".", "[", "]", "[0]", ".1.", "{}", "[]", "true", "false", "null", "0", "-1", "0.5", "1e6"]


def words(text):
    out = set()
    for path, desc in re.findall(r"^  ([a-z_][a-z0-9_.]*)  \((.*)\)$", text, re.M):
        out.add(path)
        out.update(path.split("."))
        m = re.search(r"one of ([^;]*)", desc)
        if m:
            out.update(w.strip() for w in m.group(1).split(","))
    out.update(re.findall(r"^  ([a-z][a-z0-9-]+)\s{2,}", text, re.M))  # engines, transports, distributions
    for line in re.findall(r"^workload presets:\n  (.*)$|^phases:\n  (.*)$", text, re.M):
        for group in line:
            out.update(group.split())
    return sorted(w for w in out if w and all(32 <= ord(c) < 127 and c not in '"\\' for c in w))


def write(path, target, entries):
    with open(path, "w") as f:
        f.write(HEADER.format(target=target))
        for e in entries:
            f.write('"' + e.replace("\\", "\\\\").replace('"', '\\"') + '"\n')


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "fuzz"
    ws = words(sys.stdin.read())
    if len(ws) < 50:
        print("make_dicts: expected the output of `rpbench list --fields` on stdin", file=sys.stderr)
        return 1
    write(f"{out_dir}/fuzz_config.dict", "fuzz_config", JSON_TOKENS + ['"' + w + '"' for w in ws])
    write(f"{out_dir}/fuzz_set.dict", "fuzz_set", SET_TOKENS + ws + [w + "=" for w in ws if "." in w])
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Validates rpbench result files against schema/result.schema.json.

Usage: validate_results.py FILE...
Prints one line per bad file (the file and its first error, located by JSON path) and exits 0 if
every file is valid, 1 otherwise. Beyond the JSON Schema, a few relations the schema cannot state
are checked: histogram buckets ascend and their counts add up to `count`, and the percentiles of a
histogram are ordered (min <= p50 <= ... <= p9999 <= max).

Importable: is_valid_result(path) -> (ok, message) is what the sweep runner uses to decide whether
a point's result is already there.
"""
import functools
import json
import pathlib
import sys

import jsonschema

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO_ROOT / "schema" / "result.schema.json"

_PERCENTILE_ORDER = ("min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns")


@functools.lru_cache(maxsize=None)
def _validator(schema_path=str(SCHEMA_PATH)):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name} (NaN/Infinity are not allowed)")


def load_json(path):
    """Parses a result file strictly (no NaN/Infinity). Raises ValueError with a clear message."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=_reject_constant)
    except OSError as e:
        raise ValueError(f"cannot read: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: line {e.lineno} column {e.colno}: {e.msg}") from e


def _histograms(doc):
    """Yields (json_path, histogram) for every histogram in a schema-valid result."""
    if doc.get("kind") == "experiment":
        for i, phase in enumerate(doc.get("phases", [])):
            for group in ("latency", "service_time", "op_latency"):
                for name, h in (phase.get(group) or {}).items():
                    yield f"$.phases[{i}].{group}.{name}", h
    elif doc.get("kind") == "probe-faults":
        for i, fault in enumerate(doc["probe"].get("faults", [])):
            yield f"$.probe.faults[{i}].latency", fault["latency"]


def _histogram_error(h):
    uppers = [b[0] for b in h["buckets"]]
    for j in range(1, len(uppers)):
        if uppers[j] <= uppers[j - 1]:
            return f"buckets[{j}]: upper_ns {uppers[j]} does not ascend (previous {uppers[j - 1]})"
    total = sum(b[1] for b in h["buckets"])
    if total != h["count"]:
        return f"bucket counts add up to {total}, but count is {h['count']}"
    if h["count"] > 0:
        values = [(k, h[k]) for k in _PERCENTILE_ORDER]
        for (ka, a), (kb, b) in zip(values, values[1:]):
            if a > b:
                return f"{ka} ({a}) > {kb} ({b})"
        if not h["min_ns"] <= h["mean_ns"] <= h["max_ns"]:
            return f"mean_ns ({h['mean_ns']}) outside [min_ns, max_ns]"
    return None


def validation_error(doc):
    """Returns the first error of a parsed result as 'json.path: message', or None if valid."""
    validator = _validator()
    errors = list(validator.iter_errors(doc))
    if errors:
        # The deepest, most specific error is the most useful one to print.
        err = jsonschema.exceptions.best_match(errors)
        return f"{err.json_path}: {err.message}"
    for path, h in _histograms(doc):
        msg = _histogram_error(h)
        if msg:
            return f"{path}: {msg}"
    return None


def is_valid_result(path):
    """(True, "ok") if `path` parses and matches the result schema, else (False, first error)."""
    try:
        doc = load_json(path)
    except ValueError as e:
        return False, str(e)
    err = validation_error(doc)
    return (False, err) if err else (True, "ok")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    bad = 0
    for path in argv:
        ok, msg = is_valid_result(path)
        if not ok:
            bad += 1
            print(f"{path}: {msg}")
    if bad:
        print(f"{bad} of {len(argv)} result file(s) invalid", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Shared paths and fixture loading for the plots tests (run by /usr/bin/python3)."""
import copy
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURES = HERE / "fixtures"
SCRIPTS = REPO / "scripts"
PLOTS = REPO / "plots"

for p in (str(SCRIPTS), str(PLOTS)):
    if p not in sys.path:
        sys.path.insert(0, p)

EXPERIMENTS = ("exp_rdb_fork", "exp_pingpong_shm", "exp_memory")
PROBES = ("probe_fork", "probe_faults", "probe_transport_tcp")


def fixture_path(name):
    return FIXTURES / f"{name}.json"


def load_fixture(name):
    """A fresh (deep) copy of a fixture document."""
    with open(fixture_path(name), encoding="utf-8") as f:
        return copy.deepcopy(json.load(f))


def write_json(path, doc):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path

"""Shared set-up for the paper figure tests: the synthetic fixture tree (fixtures/paper/, made by
fixtures/paper_fixtures.py: host "fixture", not measurements) and its manifest."""
import copy
import pathlib
import shutil

import helpers  # noqa: F401  (puts plots/ and scripts/ on sys.path)
from rpplot import loader
from rpplot.paper import inputs, manifest, registry
from rpplot.paper.spec import FigureInputs

TREE = helpers.FIXTURES / "paper"
MANIFEST = TREE / "paper.json"
_CACHE = {}


def load_manifest(path=MANIFEST):
    return manifest.load(path, registry.BY_NUMBER)


def fixture_inputs():
    """Inputs for the whole fixture tree (loaded once; figure code never changes results)."""
    if "inputs" not in _CACHE:
        _CACHE["inputs"] = inputs.load(load_manifest(), TREE)
    return _CACHE["inputs"]


def figure_inputs(number, allow_mixed=False, spread="range", found=None):
    found = found or fixture_inputs()
    sources = found.manifest.for_figure(number)
    return FigureInputs(found.results_of([s for s in sources if s.kind == "sweep"]),
                        found.results_of([s for s in sources if s.kind == "probe"]), allow_mixed, spread)


def with_context(result, **context):
    """A copy of a result (as if one more repeat of it) whose context differs as given."""
    doc = copy.deepcopy(result.doc)
    doc["context"].update(context)
    path = result.path.with_name(f"{result.point}.r9.json")
    return loader.Result(path, doc)


def copy_tree(dest):
    """The fixture tree copied to dest (a pathlib.Path), for tests that change files."""
    shutil.copytree(TREE, dest)
    return pathlib.Path(dest)


def legend_labels(ax):
    return ax.get_legend_handles_labels()[1]

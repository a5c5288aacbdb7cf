"""The results the paper draws from: for every source the manifest declares, its result files
under the results root (RESULTS/<sweep>/*.json, RESULTS/<probe out>), each parsed strictly and
checked (a validator is passed in: scripts/validate_results.py's, by plots/paper.py). A file that
does not parse or validate is left out with one line in `errors`; failed experiments
(NAME.failed.json) are left out and counted; --context FIELD=VALUE selectors keep only results
of that context; a sweep's `where` (manifest.py) keeps only results with those config values."""
import json
import pathlib
from dataclasses import dataclass, field

from .. import contexts, loader


@dataclass
class Inputs:
    root: pathlib.Path
    manifest: object
    by_source: dict = field(default_factory=dict)     # (kind, name) -> [Result]
    missing: dict = field(default_factory=dict)       # (kind, name) -> why there is nothing
    errors: list = field(default_factory=list)        # one line per bad file
    failed: dict = field(default_factory=dict)        # sweep -> [NAME.failed.json paths]
    deselected: int = 0                               # results left out by --context
    unselected: dict = field(default_factory=dict)    # sweep -> results left out by its 'where'

    def results_of(self, sources, kind=None):
        out = []
        for s in sources:
            out += [r for r in self.by_source.get((s.kind, s.name), []) if kind is None or r.kind == kind]
        return out

    def all_results(self):
        return [r for rs in self.by_source.values() for r in rs]


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _read(path, validate):
    """(Result, None) or (None, 'path: why')."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_reject_constant)
    except OSError as e:
        return None, f"{path}: cannot read: {e.strerror}"
    except json.JSONDecodeError as e:
        return None, f"{path}: not valid JSON: line {e.lineno} column {e.colno}: {e.msg}"
    except ValueError as e:
        return None, f"{path}: not valid JSON: {e}"
    if not isinstance(doc, dict) or doc.get("kind") not in loader.RESULT_KINDS or "schema_version" not in doc:
        return None, f"{path}: not an rpbench result (no schema_version and kind)"
    if validate is not None:
        err = validate(doc)
        if err:
            return None, f"{path}: invalid result: {err}"
    return loader.Result(pathlib.Path(path), doc), None


def load(manifest, results_root, validate=None, selectors=None):
    """Inputs for every source of the manifest (see the module doc)."""
    root = pathlib.Path(results_root)
    inputs = Inputs(root, manifest)
    for src in manifest.sources:
        path = src.results_path(root)
        if src.kind == "sweep":
            if not path.is_dir():
                inputs.missing[(src.kind, src.name)] = f"no {path}"
                continue
            files = sorted(p for p in path.glob("*.json") if p.is_file() and not p.name.endswith(".failed.json"))
            failed = sorted(path.glob("*.failed.json"))
            if failed:
                inputs.failed[src.name] = failed
        else:
            if not path.is_file():
                inputs.missing[(src.kind, src.name)] = f"no {path}"
                continue
            files = [path]
        results = []
        for f in files:
            result, err = _read(f, validate)
            if err:
                inputs.errors.append(err)
                continue
            if src.kind == "sweep" and result.kind != "experiment":
                inputs.errors.append(f"{f}: a {result.kind} result in sweep {src.name}'s folder; left out")
                continue
            if src.kind == "probe" and result.kind == "experiment":
                inputs.errors.append(f"{f}: probe {src.name}'s file holds an experiment result; left out")
                continue
            if selectors and not contexts.matches(result, selectors):
                inputs.deselected += 1
                continue
            if src.kind == "sweep" and any(loader.config_value(result.config, k) != v for k, v in src.where.items()):
                inputs.unselected[src.name] = inputs.unselected.get(src.name, 0) + 1
                continue
            results.append(result)
        if not results and (src.kind, src.name) not in inputs.missing:
            inputs.missing[(src.kind, src.name)] = f"no usable result in {path}"
        inputs.by_source[(src.kind, src.name)] = results
    return inputs

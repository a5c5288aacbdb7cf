"""Draws the paper's figure set from the inputs and writes the report: every figure the manifest
feeds is drawn, skipped (one line: what is missing and which sweep or probe produces it),
refused (a line would mix contexts) or failed (a bug, reported in one line); then index.html."""
import traceback
from dataclasses import dataclass, field

from .. import contexts
from . import caption, canvas, headline, registry, report
from .spec import FigureInputs, NoData


@dataclass
class Options:
    allow_mixed: bool = False
    spread: str = "range"
    figures: tuple = ()          # numbers to draw; empty: all
    debug: bool = False          # let a figure's exception out (with its traceback)
    sweep_exists: object = None  # callable(name) -> bool: is configs/sweeps/NAME.json in the repo
    command_line: str = ""       # how this report was made, for the page


@dataclass
class Outcome:
    module: object
    status: str                  # drawn, skipped, refused, failed
    message: str = ""
    files: list = field(default_factory=list)   # [{"png", "pdf", "caption", "part_title", "width", "repeats"}]
    results: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    @property
    def number(self):
        return self.module.NUMBER

    @property
    def line(self):
        head = f"figure {self.number} ({self.module.TITLE})"
        if self.status == "drawn":
            return f"{head}: " + ", ".join(f["png"].name for f in self.files)
        return f"{head}: {self.status}: {self.message}"


@dataclass
class Paper:
    outdir: object
    inputs: object
    outcomes: list
    rows: list
    options: Options

    @property
    def refused_rows(self):
        return [r for r in self.rows if r.mixed and not self.options.allow_mixed]

    @property
    def ok(self):
        return (not self.inputs.errors and not self.refused_rows
                and all(o.status in ("drawn", "skipped") for o in self.outcomes))


def produced_by(sources, sweep_exists, manifest_path):
    """'produced by sweep a; sweeps b, c (not in configs/sweeps yet); probe fork (...)'"""
    if not sources:
        return f"nothing in {manifest_path.name} feeds it"
    there = [s.name for s in sources if s.kind == "sweep" and (sweep_exists is None or sweep_exists(s.name))]
    absent = [s.name for s in sources if s.kind == "sweep" and s.name not in there]
    probes = [s.name for s in sources if s.kind == "probe"]
    parts = []
    if there:
        parts.append(f"sweep{'s' if len(there) > 1 else ''} {', '.join(there)}")
    if absent:
        parts.append(f"sweep{'s' if len(absent) > 1 else ''} {', '.join(absent)} (not in configs/sweeps yet)")
    if probes:
        parts.append(f"probe{'s' if len(probes) > 1 else ''} {', '.join(probes)} (./run_experiments.sh paper runs {'them' if len(probes) > 1 else 'it'})")
    return "produced by " + "; ".join(parts)


def _draw_one(module, inputs, outdir, options):
    sources = inputs.manifest.for_figure(module.NUMBER)
    outcome = Outcome(module, "skipped", sources=sources)
    experiments = inputs.results_of([s for s in sources if s.kind == "sweep"])
    probes = inputs.results_of([s for s in sources if s.kind == "probe"])
    where = produced_by(sources, options.sweep_exists, inputs.manifest.path)
    if not experiments and not probes:
        outcome.message = f"no results; {where}"
        return outcome
    try:
        made = module.make(FigureInputs(experiments, probes, options.allow_mixed, options.spread))
    except NoData as e:
        outcome.message = f"{e}; {where}"
        return outcome
    except contexts.MixedContextError as e:
        outcome.status, outcome.message = "refused", str(e)
        return outcome
    except Exception as e:  # noqa: BLE001  (a plotting bug: one line, unless --debug)
        if options.debug:
            raise
        frame = traceback.extract_tb(e.__traceback__)[-1]
        outcome.status = "failed"
        outcome.message = f"{type(e).__name__}: {e} (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
        return outcome
    outcome.status = "drawn"
    for m in made:
        mixed = contexts.describe(m.results)
        if mixed:
            m.notes.append(f"{'lines may mix contexts (drawn with --allow-mixed-contexts)' if options.allow_mixed else 'lines come from different contexts'}: {mixed}")
        text = caption.caption(module.NUMBER, module.TITLE + (f" {m.part_title}" if m.part_title else ""),
                               module.DESCRIPTION, m.results, m.repeats, m.notes)
        with canvas.paper_rc():
            canvas.context_line(m.fig, f"{module.NUMBER}{m.part[:1] if m.part else ''}",
                                caption.context_text(m.results), m.width)
            png, pdf = canvas.save(m.fig, outdir, registry.stem(module, m.part), f"Figure {module.NUMBER}: {module.TITLE}",
                                   text)
        outcome.files.append({"png": png, "pdf": pdf, "caption": text, "part_title": m.part_title, "width": m.width,
                              "repeats": m.repeats})
        outcome.results += [r for r in m.results if r not in outcome.results]
    return outcome


def draw_paper(inputs, outdir, options=None, out=print):
    """Draws the figures, writes the report; prints one line per figure (and per bad input) with
    `out`; returns the Paper."""
    options = options or Options()
    for line in inputs.errors:
        out(f"paper: {line}")
    for sweep, files in inputs.failed.items():
        out(f"paper: sweep {sweep}: {len(files)} failed experiment(s) left out ({', '.join(f.name for f in files)})")
    if inputs.deselected:
        out(f"paper: {inputs.deselected} result(s) left out by --context")
    modules = [m for m in registry.FIGURES if not options.figures or m.NUMBER in options.figures]
    outcomes = []
    for module in modules:
        outcome = _draw_one(module, inputs, outdir, options)
        out(outcome.line)
        outcomes.append(outcome)
    rows = headline.rows(inputs.results_of(inputs.manifest.for_table(), kind="experiment"), options.allow_mixed)
    paper = Paper(outdir, inputs, outcomes, rows, options)
    for row in paper.refused_rows:
        out(f"headline table: row {row.engine} at {row.keys} keys refused: its repeats mix contexts ({row.mixed})")
    page = report.write(paper)
    drawn = sum(1 for o in outcomes if o.status == "drawn")
    out(f"paper: {drawn} of {len(outcomes)} figure(s) drawn, report {page}")
    return paper

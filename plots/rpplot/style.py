"""Saving figures and labelling them with what they ran on.

Every figure carries a context label (transport and THP mode). RDMA is named only when the
transport is `verbs`: a figure measured on shm or tcp never says RDMA. save() writes PNG and PDF
(Agg, no pyplot state) and records the figure's title and all its visible text in the PNG/PDF
metadata, so tests and readers can check what a figure says without looking at pixels.
"""
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FixedFormatter  # noqa: E402

DPI = 110

_TRANSPORT_NAMES = {
    "none": "none (local)",
    "shm": "shm (shared memory, no network)",
    "tcp": "tcp",
    "verbs": "verbs (RDMA)",
}


def transport_label(transport):
    """How a transport is named on a figure. Only `verbs` is called RDMA."""
    name = str(transport)
    label = _TRANSPORT_NAMES.get(name, name)
    if name != "verbs":
        label = re.sub("rdma", "remote", label, flags=re.IGNORECASE)
    return label


def context_label(transport, thp_mode):
    """The line every figure carries: 'transport: shm (...), THP: never'."""
    return f"transport: {transport_label(transport)}, THP: {thp_mode}"


def result_label(result):
    return context_label(result.transport, result.thp_mode)


def engine_label(result):
    """A run's legend entry: engine (and transport when it has one)."""
    engine = result.engine or "?"
    if result.transport and result.transport != "none":
        return f"{engine} over {result.transport}"
    return engine


def safe_name(text):
    """A filesystem-safe fragment of a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-") or "x"


def new_figure(nrows=1, ncols=1, figsize=(6.4, 4.2), **kwargs):
    """A pyplot-free Figure and its 2-D array of axes (laid out once, in save())."""
    fig = Figure(figsize=figsize)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def figure_texts(fig):
    """Every non-empty text the figure shows (titles, axis labels, legends, and tick labels that
    were set explicitly), without rendering it."""
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                texts.extend(str(s) for s in formatter.seq if s)
    return texts


def save(fig, outdir, stem, title, label):
    """Titles the figure '<title>\\n<label>' and writes <outdir>/<stem>.png and .pdf.
    Returns the two paths."""
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fig.suptitle(f"{title}\n{label}", fontsize=10)
    fig.tight_layout()  # once, not at every savefig as a layout engine would
    description = " | ".join(figure_texts(fig))
    paths = []
    stem = safe_name(stem)
    png = outdir / f"{stem}.png"
    fig.savefig(png, dpi=DPI, metadata={"Title": f"{title}; {label}", "Description": description})
    paths.append(png)
    pdf = outdir / f"{stem}.pdf"
    fig.savefig(pdf, metadata={"Title": f"{title}; {label}", "Subject": description,
                               "Creator": "rpbench plots/rpplot"})
    paths.append(pdf)
    return paths


def say(family, message):
    """What a family reports (e.g. that it has nothing to draw)."""
    print(f"{family}: {message}")


def group_by_context(results):
    """{(transport, thp_mode): [results]} in first-seen order: a figure never mixes them."""
    groups = {}
    for r in results:
        groups.setdefault((r.transport, r.thp_mode), []).append(r)
    return groups


def group_stem(family, transport, thp_mode):
    """A file stem for a family's per-context figure."""
    return f"{family}_{safe_name(transport)}_thp-{safe_name(thp_mode)}"

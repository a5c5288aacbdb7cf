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


def write_targets(family, outdir, lines):
    """Prints a family's target verdicts and writes them to <outdir>/<family>_targets.txt
    (through a temporary name, renamed when complete). Returns [that path], or [] for no lines."""
    if not lines:
        return []
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{family}_targets.txt"
    partial = target.with_name(target.name + ".tmp")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(target)
    print("\n".join(lines))
    return [target]


def group_by_context(results):
    """{(transport, thp_mode): [results]} in first-seen order: a figure never mixes them."""
    groups = {}
    for r in results:
        groups.setdefault((r.transport, r.thp_mode), []).append(r)
    return groups


def group_stem(family, transport, thp_mode):
    """A file stem for a family's per-context figure."""
    return f"{family}_{safe_name(transport)}_thp-{safe_name(thp_mode)}"


# One colour and marker per engine (and mode), the same in every figure that draws engines.
# Keyed by identity.engine_key(): the engine type, and "/mode" for engines with modes. Colours
# from the Okabe-Ito and Tableau palettes; no two keys share a (colour, marker) pair.
ENGINE_STYLES = {
    "rdb-fork": ("#0072B2", "o"),
    "redis": ("#D55E00", "s"),
    "rdma-pingpong": ("#009E73", "*"),  # no fork_mode in the config
    "rdma-pingpong/child-connect": ("#009E73", "^"),
    "rdma-pingpong/parent-posts": ("#56B4E9", "v"),
    "mempool-offload": ("#882255", "*"),  # no snapshot_mode in the config
    "mempool-offload/fork-copy": ("#882255", "D"),
    "mempool-offload/fork-direct": ("#CC79A7", "d"),
    "mempool-offload/pause": ("#8C564B", "P"),
    "paged-kv": ("#E69F00", "X"),
    "memory": ("#7F7F7F", "."),
    "null": ("#BCBD22", "x"),
}
_FALLBACK_COLOURS = ("#332288", "#117733", "#44AA99", "#999933", "#AA4499", "#661100", "#6699CC", "#DDCC77")


def engine_style(key):
    """{'color', 'marker'} of an engine key; an engine not in the table gets a colour picked by
    a stable hash of its name (the same in every figure) and the marker '*'."""
    if key in ENGINE_STYLES:
        colour, marker = ENGINE_STYLES[key]
        return {"color": colour, "marker": marker}
    base = key.split("/", 1)[0]
    if base in ENGINE_STYLES:
        return {"color": ENGINE_STYLES[base][0], "marker": "*"}
    import zlib
    return {"color": _FALLBACK_COLOURS[zlib.crc32(key.encode()) % len(_FALLBACK_COLOURS)], "marker": "*"}


# Line style per transport type, so one engine over two transports is two lines of one colour.
TRANSPORT_LINESTYLES = {"none": "-", "shm": "-", "tcp": "--", "verbs": ":"}
LINK_MODEL_LINESTYLE = "-."
# Colour per transport variant where transports, not engines, are the series (the probe figure).
TRANSPORT_COLOURS = {"shm": "#0072B2", "tcp": "#D55E00", "verbs": "#009E73", "none": "#7F7F7F"}
LINK_MODEL_COLOURS = ("#56B4E9", "#882255", "#CC79A7", "#E69F00")


def transport_linestyle(variant):
    if variant.link_gbps:
        return LINK_MODEL_LINESTYLE
    return TRANSPORT_LINESTYLES.get(variant.type, "-")


# Bar hatches, where bars cannot show a line style: per transport type (a link model of shm its
# own), then per sibling series of one engine over one transport.
TRANSPORT_HATCHES = {"none": "", "shm": "", "tcp": "//", "verbs": ".."}
LINK_MODEL_HATCH = "xx"
SIBLING_HATCHES = ("", "\\\\", "--", "++", "oo", "**")


def bar_hatch(variant, sibling=0):
    """The hatch of a bar for `variant` (None: solid), the `sibling`-th series of its engine there."""
    base = LINK_MODEL_HATCH if variant.link_gbps else TRANSPORT_HATCHES.get(variant.type, "")
    return (base + SIBLING_HATCHES[sibling % len(SIBLING_HATCHES)]) or None


def transport_colour(variant, link_models=()):
    """The colour of a transport variant; link-model variants of shm get their own, in the order
    of `link_models` (the bandwidths present, ascending)."""
    if variant.link_gbps:
        models = sorted(set(link_models) | {variant.link_gbps})
        return LINK_MODEL_COLOURS[models.index(variant.link_gbps) % len(LINK_MODEL_COLOURS)]
    return TRANSPORT_COLOURS.get(variant.type, "#332288")


# Paper figures: sizes for a two-column paper (inches) and fonts embedded as TrueType (Type 42,
# never Type 3) in the PDF.
COLUMN_IN = 3.4
DOUBLE_COLUMN_IN = 7.0
PAPER_DPI = 200  # the PNG (the report's); the PDF is vector
PAPER_RC = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "font.family": "DejaVu Sans",
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 5.5,
    "lines.linewidth": 1.0,
    "lines.markersize": 3.5,
    "errorbar.capsize": 1.5,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
}

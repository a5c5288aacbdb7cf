"""Paper figures on the page: sizes for a two-column paper, the context line every figure
carries, PNG + PDF with the fonts embedded (TrueType, no Type 3), and the lines of a figure drawn
as median points with error bars."""
import pathlib
import textwrap

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FuncFormatter, NullLocator

from .. import style

WIDTHS = {"single": style.COLUMN_IN, "double": style.DOUBLE_COLUMN_IN}


def new(width="single", height=2.4, nrows=1, ncols=1, **kwargs):
    """A Figure one column (3.4 in) or two columns (7 in) wide, and its 2-D array of axes.
    Call inside paper_rc()."""
    fig = Figure(figsize=(WIDTHS[width], height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def paper_rc():
    return matplotlib.rc_context(style.PAPER_RC)


def draw_line(ax, line, aggs, label=None, **overrides):
    """One line of medians with its spread as error bars (none where every point is one run)."""
    if not aggs:
        return None
    xs = [a.x for a in aggs]
    ys = [a.median for a in aggs]
    kw = {**line.style, **overrides}
    yerr = None
    if any(a.n > 1 for a in aggs):
        yerr = [[a.median - a.lo for a in aggs], [a.hi - a.median for a in aggs]]
    return ax.errorbar(xs, ys, yerr=yerr, label=line.label if label is None else label, color=kw["color"],
                       marker=kw["marker"], linestyle=kw["linestyle"], fillstyle=kw["fillstyle"],
                       elinewidth=0.6, alpha=kw.get("alpha", 1.0))


def legend(ax, ncol=1, **kwargs):
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, ncol=ncol, frameon=False, handlelength=2.2, **kwargs)


LEGEND_ROW_IN = 0.12        # one legend row at legend.fontsize 5.5 pt
DECORATION_IN = 0.95        # the context line, tick labels and axis labels around one panel


def new_with_legend(plot_height, entries, width="single"):
    """A one-panel figure with a legend panel under the plot, tall enough for `entries` rows
    (a column is too narrow for a legend beside the plot): (fig, ax, legend_ax). plot_height is
    the plotting area's own height (inches)."""
    legend_height = LEGEND_ROW_IN * max(1, entries) + 0.05
    fig = Figure(figsize=(WIDTHS[width], plot_height + legend_height + DECORATION_IN), layout="constrained")
    ax, legend_ax = fig.subplots(2, 1, gridspec_kw={"height_ratios": [plot_height, legend_height]})
    legend_ax.axis("off")
    return fig, ax, legend_ax


def legend_into(legend_ax, ax):
    """The legend of ax's lines, drawn in legend_ax (from new_with_legend), one entry per row."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        legend_ax.legend(handles, labels, loc="upper left", frameon=False, handlelength=2.2, borderaxespad=0)


def _plain(value, _pos=None):
    """Log-axis tick text: 0.5, 2, 10, 2e+04 as %g; only mantissas 1, 2 and 5 are labelled."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** np.floor(np.log10(value) + 1e-9)
    return f"{value:g}" if min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6 else ""


def log_axis(ax, which, minor_labels=True):
    """Log scale on ax's x or y axis with plain numbers (0.5, 1, 2, 5, 10 ...) instead of 10^x;
    minor ticks labelled at 2 and 5 unless minor_labels is False."""
    if which == "x":
        ax.set_xscale("log")
        axis = ax.xaxis
    else:
        ax.set_yscale("log")
        axis = ax.yaxis
    axis.set_major_formatter(FuncFormatter(_plain))
    axis.set_minor_formatter(FuncFormatter(_plain if minor_labels else lambda v, p=None: ""))


def size_label(size):
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if size >= (1 << shift) and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


def size_axis(ax, sizes, label="transfer size (bytes, log2)"):
    """Log2 x axis ticked at the measured sizes, labelled 4K, 1M, ..."""
    ax.set_xscale("log", base=2)
    sizes = sorted(set(sizes))
    if sizes:
        ax.set_xticks(sizes, labels=[size_label(s) for s in sizes])
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(label)


def context_line(fig, number, text, width):
    """The figure's first line: 'Fig. N | transport ... | THP ... | machine ...', wrapped to the
    figure's width."""
    chars = int(WIDTHS[width] * 19)
    fig.suptitle("\n".join(textwrap.wrap(f"Fig. {number} | {text}", chars)), fontsize=5.5, x=0.01,
                 ha="left", color="#333333")


def visible_texts(fig):
    """The figure's words (context line, panel titles, axis labels, legend entries, annotations,
    explicitly set tick labels), gathered without walking every artist (style.figure_texts does,
    which costs a second per figure here)."""
    texts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        texts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        if not ax.axison:
            if ax.get_legend() is not None:  # a legend panel (new_with_legend)
                texts += [t.get_text() for t in ax.get_legend().get_texts()]
            continue
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        if ax.get_legend() is not None:
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                texts += [str(x) for x in formatter.seq]
    return [t for t in texts if t]


def save(fig, outdir, stem, title, caption):
    """Writes <stem>.png (style.PAPER_DPI) and <stem>.pdf and <stem>.caption.txt; returns the paths of the
    PNG and the PDF. The caption goes into the metadata (Title, Description / Subject)."""
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fig.draw_without_rendering()  # the constrained layout, once: both files get the same positions
    fig.set_layout_engine("none")
    texts = " | ".join(visible_texts(fig))
    png, pdf = outdir / f"{stem}.png", outdir / f"{stem}.pdf"
    fig.savefig(png, dpi=style.PAPER_DPI, metadata={"Title": title, "Description": f"{caption} || {texts}"})
    fig.savefig(pdf, metadata={"Title": title, "Subject": f"{caption} || {texts}",
                               "Creator": "rpbench plots/rpplot/paper"})
    (outdir / f"{stem}.caption.txt").write_text(caption + "\n", encoding="utf-8")
    return [png, pdf]

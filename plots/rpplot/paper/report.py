"""The report page, OUTDIR/index.html: static (no server, no external scripts, styles or fonts),
every figure with its caption and the commands that reproduce it, skipped figures with why, the
headline table with links to the result files, and the context the results ran on.

One small inline script runs on load and records in #render-check how many images loaded and
how many rows each table has (data-* attributes), which a reader sees and a headless-browser test
reads from the DOM."""
import datetime
import html
import os
import pathlib

from . import headline

CONTEXT_FIELDS = ("git_commit", "build_type", "compiler", "host", "cpu_model", "cores", "memory_bytes", "kernel",
                  "thp_mode", "thp_defrag", "allocator", "transport")
PX_PER_IN = 144

STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; white-space: nowrap; }
figure { margin: 1.5em 0; padding: .5em; border: 1px solid #e4e4e4; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: .9em; margin-top: .5em; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; font-size: .85em; }
.skipped { color: #7a4b00; } .refused, .failed { color: #a00000; }
#render-check { font-size: .8em; color: #555; }
"""

CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  var el = document.getElementById("render-check");
  el.setAttribute("data-images", String(images.length));
  el.setAttribute("data-images-loaded", String(images.length - broken.length));
  el.setAttribute("data-broken", broken.map(function (i) { return i.getAttribute("src"); }).join(" "));
  var tables = Array.prototype.slice.call(document.querySelectorAll("table[id]"));
  el.setAttribute("data-table-rows", tables.map(function (t) {
    return t.id + "=" + t.querySelectorAll("tbody tr").length; }).join(" "));
  el.textContent = "Rendered: " + (images.length - broken.length) + " of " + images.length +
    " figure images loaded" + (broken.length ? " (missing: " + broken.length + ")" : "") + ".";
});
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _rel(path, outdir):
    return os.path.relpath(pathlib.Path(path), pathlib.Path(outdir)).replace(os.sep, "/")


def _context_rows(results):
    rows = []
    for f in CONTEXT_FIELDS:
        counts = {}
        for r in results:
            v = r.context.get(f)
            if f == "memory_bytes" and isinstance(v, int):
                v = f"{v / (1 << 30):.1f} GiB"
            v = str(v) if v is not None else "(not recorded)"
            counts[v] = counts.get(v, 0) + 1
        rows.append((f, counts))
    return rows


def _figure_html(o, paper):
    out = []
    anchor = f"fig{o.number}"
    if o.status != "drawn":
        out.append(f'<div class="{o.status}" id="{anchor}"><h3>Figure {o.number}. {_e(o.module.TITLE)}</h3>'
                   f'<p>{_e(o.status)}: {_e(o.message)}</p>{_commands_html(o, paper)}</div>')
        return "".join(out)
    out.append(f'<div id="{anchor}"><h3>Figure {o.number}. {_e(o.module.TITLE)}</h3>')
    for f in o.files:
        width = 7.0 if f["width"] == "double" else 3.4
        out.append(f'<figure><img src="{_e(_rel(f["png"], paper.outdir))}" alt="{_e(f["caption"][:200])}" '
                   f'style="width:{int(width * PX_PER_IN)}px">'
                   f'<figcaption>{_e(f["caption"])} '
                   f'<a href="{_e(_rel(f["pdf"], paper.outdir))}">PDF</a></figcaption></figure>')
    out.append(f'<p>Results drawn: {len(o.results)} file(s).</p>{_commands_html(o, paper)}</div>')
    return "".join(out)


def _commands_html(o, paper):
    lines = [s.command() for s in o.sources]
    lines.append(f"/usr/bin/python3 plots/paper.py results --figures {o.number}")
    return f'<details><summary>Reproduce</summary><pre>{_e(chr(10).join(lines))}</pre></details>'


def _headline_html(paper):
    cols = "".join(f"<th>{_e(h)} ({_e(u)})</th>" for h, u, _ in headline.COLUMNS)
    head = (f"<thead><tr><th>engine</th><th>transport</th><th>sweep</th><th>dataset</th><th>N</th>{cols}"
            f"<th>result files</th></tr></thead>")
    body = []
    for row in paper.rows:
        dataset = (f"{row.dataset_gb:.3g} GB" if row.dataset_gb else "?") + \
            (f" ({row.keys:,} keys)" if isinstance(row.keys, int) else "")
        cells = "".join(f'<td class="num">{_e(headline.cell_text(c))}</td>' for c in row.cells)
        links = " ".join(f'<a href="{_e(href)}">{_e(name)}</a>' for href, name in headline.relative_links(row, paper.outdir))
        mixed = f'<br><span class="refused">mixed contexts: {_e(row.mixed)}</span>' if row.mixed else ""
        body.append(f"<tr><td>{_e(row.engine)}{mixed}</td><td>{_e(row.transport)}</td><td>{_e(row.sweep)}</td>"
                    f"<td>{_e(dataset)}</td><td class=\"num\">{row.n}</td>{cells}<td>{links}</td></tr>")
    if not body:
        return "<p>No results yet from the sweeps the table draws from.</p>"
    return (f'<table id="headline-table">{head}<tbody>{"".join(body)}</tbody></table>'
            "<p>Each cell: median over the point's repeats [min–max]; – not measured. p99 from the raw histogram "
            "buckets of the run phases.</p>")


def _context_html(paper):
    results = paper.inputs.all_results()
    if not results:
        return "<p>No results.</p>"
    body = "".join(f"<tr><td>{_e(f)}</td><td>{'<br>'.join(_e(f'{v} ({n} result(s))') for v, n in counts.items())}</td></tr>"
                   for f, counts in _context_rows(results))
    return f'<table id="context-table"><thead><tr><th>field</th><th>values (results)</th></tr></thead><tbody>{body}</tbody></table>'


def _problems_html(paper):
    items = [f"<li>{_e(line)}</li>" for line in paper.inputs.errors]
    items += [f"<li>sweep {_e(s)}: {len(fs)} failed experiment(s) left out: {_e(', '.join(f.name for f in fs))}</li>"
              for s, fs in paper.inputs.failed.items()]
    items += [f'<li class="{o.status}">{_e(o.line)}</li>' for o in paper.outcomes if o.status in ("refused", "failed")]
    return f"<h2>Problems</h2><ul>{''.join(items)}</ul>" if items else ""


def write(paper):
    outdir = pathlib.Path(paper.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<li><a href="#fig{o.number}">Figure {o.number}</a>: {_e(o.module.TITLE)}'
                  f'{"" if o.status == "drawn" else f" ({_e(o.status)})"}</li>' for o in paper.outcomes)
    manifest = paper.inputs.manifest
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rpbench: paper figures</title>
<style>{STYLE}</style></head><body>
<h1>rpbench: paper figures</h1>
<p id="render-check">Rendered: (the check runs when the page has loaded)</p>
<p>Generated {_e(now)} from the results in <code>{_e(paper.inputs.root)}</code> by <code>{_e(paper.options.command_line or "plots/paper.py")}</code>;
the sweeps and probes are those of <code>{_e(manifest.path.name)}</code>. {_e(manifest.description)}</p>
<p>Reproduce everything: <code>./run_experiments.sh paper</code> (runs every sweep and probe listed there, then draws).</p>
<ul>{nav}</ul>
{_problems_html(paper)}
<h2 id="headline">Headline figures</h2>
{_headline_html(paper)}
<h2 id="context">Context</h2>
{_context_html(paper)}
<h2 id="figures">Figures</h2>
{"".join(_figure_html(o, paper) for o in paper.outcomes)}
<script>{CHECK_SCRIPT}</script>
</body></html>
"""
    path = outdir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""The paper's numbered figure set (plots/paper.py draws it; see plots/README.md).

manifest   configs/sweeps/paper.json: the sweeps and probes, and the figures each one feeds
inputs     their result files, parsed and checked
series     lines, points and repeats (median and spread), refusing mixed contexts
fig01..10  one module per figure: make(inputs) -> [Made], or NoData
caption    what a figure ran on (transport, THP, machine, build), in its context line and caption
canvas     sizes, fonts, PNG + PDF
headline   the report's table; report the page; build draws all of it
"""

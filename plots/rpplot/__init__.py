"""rpplot: figures from rpbench result JSON (see plots/README.md).

loader   reads result files and flattens them into a tidy table (a list of dicts)
style    saving figures (PNG + PDF, Agg) and the context label every figure carries
one module per figure family, each with draw(results, outdir) -> [paths]
families the list of figure families by name
"""

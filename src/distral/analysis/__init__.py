"""The analysis: run logs in, aggregates, figures, tables and claim verdicts out.

The analysis reads run logs only (results/{profile}/...), never the environments or
the trainer, and never imports torch. In the order data flows:
`runlogs` checks every run log before anything is averaged; `gridworld` (Figure 3) and
`deep` (the 3D suites) reduce them to the aggregates, whose schemas and one reader are in
`aggregates`; `inference` holds the seeded bootstrap (settings: params.yaml `analysis`);
`style` the one palette, labels and save_figure; `fig3`, `figs4_7` and `profiles` draw
the figures, `tables` writes Tables 1-2 (and every table's CSV/Markdown/LaTeX), and
`claims` turns the aggregates into a verdict for each of the paper's claims.
"""

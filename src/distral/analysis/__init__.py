"""The analysis: run logs in, aggregates, figures, tables and claim verdicts out.

The analysis reads run logs only (results/{profile}/...), never the environments or
the trainer. `runlogs` checks every log before anything is averaged; `aggregate`
(grid world) and `deep` (the 3D suites) reduce them to tidy tables; `plots` and
`figures` draw Figures 3-7; `tables` and `paper_tables` write Tables 1-2; `claims`
turns the aggregates into a verdict for each of the paper's claims.
"""

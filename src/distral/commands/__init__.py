"""One module per command of `python -m distral` (and per Snakemake rule): each provides
`add_arguments(parser)` and `run(args) -> int`. Libraries never import a command."""

"""Analysis of the run logs: aggregation, statistics, figures, tables and the claims report."""

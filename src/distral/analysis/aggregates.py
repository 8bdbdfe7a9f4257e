"""Read a suite's aggregates back (runs, curves, selection, normaliser, random), checked.

The figures and tables read only these files (written by aggregate-deep); a missing
file or one with other columns stops them with a message naming it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distral import paths
from distral.analysis import deep

AGGREGATES = ("runs", "curves", "selection", "normaliser", "random")
COLUMNS = {"runs": deep.RUNS_COLUMNS, "curves": deep.CURVES_COLUMNS, "selection": deep.SELECTION_COLUMNS,
           "normaliser": deep.NORMALISER_COLUMNS, "random": deep.RANDOM_COLUMNS}


def aggregate_file(root: Path, profile: str, suite: str, name: str) -> Path:
    return Path(root) / paths.SUITE_DIR.format(profile=profile, suite=suite) / f"{name}.csv"


def read_suite(root: Path | str, profile: str, suite: str) -> dict[str, pd.DataFrame]:
    tables = {}
    for name, columns in COLUMNS.items():
        path = aggregate_file(Path(root), profile, suite, name)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing (run `python -m distral aggregate-deep --suite {suite} "
                                    f"--profile {profile}` first)")
        frame = pd.read_csv(path, keep_default_na=True, dtype={"hp": str, "best_hp": str, "task": str})
        if list(frame.columns) != list(columns):
            raise ValueError(f"{path}: columns {list(frame.columns)}, expected {list(columns)}")
        tables[name] = frame
    return tables

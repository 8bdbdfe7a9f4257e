"""The aggregates: their column schemas and the one reader every figure, table and claim uses.

aggregate-deep writes results/{profile}/{suite}/{runs,curves,selection,normaliser,random}.csv
(definitions: distral.analysis.deep); aggregate-gridworld writes results/{profile}/gridworld/evals.csv
and paper_tables/{profile}/fig3_auc.csv (distral.analysis.gridworld). Everything downstream reads
them here, so a missing file or one with other columns stops it with a message naming the file.
Run logs (results/.../{seed}/) are read by distral.analysis.runlogs instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from distral import paths
from distral.analysis.runlogs import GRIDWORLD_COLUMNS

# ---- the schemas: the columns each aggregate has, in order
RUNS_COLUMNS = ["suite", "algo", "hp", "seed", "task", "policy", "status", "frames_reached", "auc", "final",
                "auc_score", "final_score"]
CURVES_COLUMNS = ["suite", "algo", "hp", "seed", "task", "policy", "frames", "return", "score", "n_episodes"]
SELECTION_COLUMNS = ["suite", "algo", "policy", "hp", "criterion", "n_runs"]
RANDOM_COLUMNS = ["suite", "task", "n_episodes", "mean_return", "std_return", "divisor", "score", "score_sem"]
NORMALISER_COLUMNS = ["suite", "task", "reference", "divisor", "statistic", "best_hp", "best_seed", "n_runs",
                      "method"]
AGGREGATES = ("runs", "curves", "selection", "normaliser", "random")
COLUMNS = {"runs": RUNS_COLUMNS, "curves": CURVES_COLUMNS, "selection": SELECTION_COLUMNS,
           "normaliser": NORMALISER_COLUMNS, "random": RANDOM_COLUMNS}
# Names that must stay text even when they look like numbers (an hp setting "1", a task "2").
TEXT_COLUMNS = {"hp": str, "best_hp": str, "task": str}

# The grid world's (Fig. 3): every run's evaluations, and the AUC table over seeds.
GRIDWORLD_EVALS_COLUMNS = list(GRIDWORLD_COLUMNS["evals.csv"])  # the runs' evals.csv, concatenated
FIG3_AUC_COLUMNS = ["comparison", "metric", "mean", "ci_low", "ci_high", "n_seeds"]


def aggregate_file(root: Path | str, profile: str, suite: str, name: str) -> Path:
    return Path(root) / paths.SUITE_DIR.format(profile=profile, suite=suite) / f"{name}.csv"


def gridworld_evals_file(root: Path | str, profile: str) -> Path:
    return aggregate_file(root, profile, "gridworld", "evals")


def fig3_auc_file(root: Path | str, profile: str) -> Path:
    return Path(root) / paths.TABLE_DIR.format(profile=profile) / "fig3_auc.csv"


def read_checked(path: Path, columns: Sequence[str], hint: str, dtype: Mapping | None = None) -> pd.DataFrame:
    """The CSV at `path`, which must exist (else `hint` says what writes it) and have exactly
    `columns`, in order. `dtype` as pandas.read_csv's; without it pandas infers the types."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing ({hint})")
    frame = pd.read_csv(path, dtype=dtype)
    if list(frame.columns) != list(columns):
        raise ValueError(f"{path}: columns {list(frame.columns)}, expected {list(columns)}")
    return frame


def read_suite(root: Path | str, profile: str, suite: str,
               names: Iterable[str] = AGGREGATES) -> dict[str, pd.DataFrame]:
    """The aggregates `names` (default: all five) of one 3D suite, by name."""
    hint = f"run `python -m distral aggregate-deep --suite {suite} --profile {profile}` first"
    return {name: read_checked(aggregate_file(root, profile, suite, name), COLUMNS[name], hint, TEXT_COLUMNS)
            for name in names}


def read_gridworld_evals(root: Path | str, profile: str) -> pd.DataFrame:
    """results/{profile}/gridworld/evals.csv: every grid-world run's evaluations."""
    hint = f"run `python -m distral aggregate-gridworld --profile {profile}` first"
    return read_checked(gridworld_evals_file(root, profile), GRIDWORLD_EVALS_COLUMNS, hint)


def read_fig3_auc(root: Path | str, profile: str) -> pd.DataFrame:
    """paper_tables/{profile}/fig3_auc.csv: the grid world's AUC table (Fig. 3 left)."""
    hint = f"run `python -m distral aggregate-gridworld --profile {profile}` first"
    return read_checked(fig3_auc_file(root, profile), FIG3_AUC_COLUMNS, hint)

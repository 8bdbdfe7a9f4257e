"""The aggregates: their column schemas and the one reader every figure, table and claim uses.

aggregate-deep writes results/{profile}/{suite}/{runs,curves,selection,normaliser,random}.csv
(definitions: distral.analysis.deep); aggregate-gridworld writes results/{profile}/gridworld/evals.csv
and paper_tables/{profile}/fig3_auc.csv (distral.analysis.gridworld). Everything downstream reads
them here, so a missing file or one with other columns stops it with a message naming the file.
Run logs (results/.../{seed}/) are read by distral.analysis.runlogs instead.

Each aggregation also writes manifest.json beside its aggregates (results/{profile}/{suite}/):
the SHA-256 of every log it read ("inputs") and of every file it wrote ("outputs"), staged with
them so they appear together. The reader checks both before handing a table out, so an
aggregate edited by hand, or left over from other logs (a log changed, or restored with an old
timestamp, after the aggregation: Snakemake's timestamps cannot see it) stops the figures,
tables and claims with a message naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from distral import io, paths
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


MANIFEST_FILE = "manifest.json"


class StaleAggregate(ValueError):
    """An aggregate does not match its manifest, or a log changed since it was aggregated."""


def manifest_file(root: Path | str, profile: str, suite: str) -> Path:
    return Path(root) / paths.SUITE_DIR.format(profile=profile, suite=suite) / MANIFEST_FILE


def _rel(root: Path | str, path: Path | str) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def manifest(root: Path | str, command: str, inputs: Iterable[Path], outputs: Mapping[Path, Path]) -> dict:
    """The manifest of one aggregation: `inputs` (the logs it read) and `outputs` (final path ->
    the file that holds its content now, e.g. a staged temporary), by path relative to `root`."""
    return {"command": command,
            "inputs": {_rel(root, p): io.sha256(p) for p in sorted(map(Path, inputs))},
            "outputs": {_rel(root, final): io.sha256(now) for final, now in outputs.items()}}


def verify_manifest(root: Path | str, path: Path, hint: str) -> None:
    """Every output of the manifest at `path` has the checksum recorded when it was written, and
    every log it was computed from still has the checksum it had then; else StaleAggregate."""
    if not path.is_file():
        raise StaleAggregate(f"{path}: missing (the checksums of the logs the aggregates come from; {hint})")
    try:
        recorded = json.loads(path.read_text())
        inputs, outputs = dict(recorded["inputs"]), dict(recorded["outputs"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
        raise StaleAggregate(f"{path}: corrupt manifest ({hint})") from None
    for kind, files in (("aggregate", outputs), ("log", inputs)):
        for rel, digest in files.items():
            file = Path(root) / rel
            if not file.is_file():
                raise StaleAggregate(f"{file}: missing, but {path} lists it ({kind}); {hint}")
            if io.sha256(file) != digest:
                what = ("edited since the aggregation wrote it" if kind == "aggregate"
                        else "changed since the aggregates were computed from it")
                raise StaleAggregate(f"{file}: {what} (sha256 differs from {path}); {hint}")


def restored_logs(root: Path | str, profile: str, suites: Iterable[str]) -> list[str]:
    """One message per log whose content changed since an aggregate of `suites` was computed from it
    while its timestamp is not newer than that aggregation's manifest (e.g. an older copy put back
    with `cp -a`): Snakemake, which compares timestamps, would keep the aggregate and everything
    drawn from it. The Snakefile stops on these before scheduling anything. A log newer than its
    manifest is left to Snakemake, which reruns the aggregation."""
    found = []
    for suite in suites:
        path = manifest_file(root, profile, suite)
        if not path.is_file():
            continue
        try:
            inputs = dict(json.loads(path.read_text())["inputs"])
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            continue  # a corrupt manifest stops its readers (verify_manifest)
        dated = path.stat().st_mtime
        for rel, digest in inputs.items():
            log = Path(root) / rel
            if log.is_file() and log.stat().st_mtime <= dated and io.sha256(log) != digest:
                found.append(f"{log}: changed since the aggregates of {path.parent} were computed from it, but "
                             f"dated before them, so Snakemake would keep them; `touch {log}` to recompute them")
    return found


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
    tables = {name: read_checked(aggregate_file(root, profile, suite, name), COLUMNS[name], hint, TEXT_COLUMNS)
              for name in names}
    verify_manifest(root, manifest_file(root, profile, suite), _rerun(hint, "aggregate_deep"))
    return tables


def _rerun(hint: str, rule: str) -> str:
    return hint.replace(" first", "") + f" again (Snakemake: --forcerun {rule})"


def read_gridworld_evals(root: Path | str, profile: str) -> pd.DataFrame:
    """results/{profile}/gridworld/evals.csv: every grid-world run's evaluations."""
    hint = f"run `python -m distral aggregate-gridworld --profile {profile}` first"
    frame = read_checked(gridworld_evals_file(root, profile), GRIDWORLD_EVALS_COLUMNS, hint)
    verify_manifest(root, manifest_file(root, profile, "gridworld"), _rerun(hint, "aggregate_gridworld"))
    return frame


def read_fig3_auc(root: Path | str, profile: str) -> pd.DataFrame:
    """paper_tables/{profile}/fig3_auc.csv: the grid world's AUC table (Fig. 3 left)."""
    hint = f"run `python -m distral aggregate-gridworld --profile {profile}` first"
    frame = read_checked(fig3_auc_file(root, profile), FIG3_AUC_COLUMNS, hint)
    verify_manifest(root, manifest_file(root, profile, "gridworld"), _rerun(hint, "aggregate_gridworld"))
    return frame

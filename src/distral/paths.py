"""Where every artifact lives. Paths are pure functions of the run's wildcards.

The Snakefile formats the same patterns, so the pipeline and the CLI agree on
locations without passing paths around; no timestamps ever enter a path.
"""

from __future__ import annotations

from pathlib import Path

# One directory per training run: {profile}/{suite}/{algo}/{hp}/{seed}.
RUN_DIR = "results/{profile}/{suite}/{algo}/{hp}/{seed}"
SUITE_DIR = "results/{profile}/{suite}"
FIGURE_DIR = "figures/{profile}"
TABLE_DIR = "paper_tables/{profile}"
METRICS_FILE = "metrics/{profile}/{suite}.json"
# The checksums of a profile's shipped run logs (sha256sum format, paths relative to its folder):
# written by `python -m distral manifest`, verified by distral.analysis.runlogs before a log is read.
LOG_MANIFEST = "results/{profile}/MANIFEST.sha256"

# The grid world has one hyperparameter setting (App. B.1 fixes them all).
GRIDWORLD_HP = "appB1"


def run_dir(profile: str, suite: str, algo: str, hp: str, seed: int | str, root: Path | str = ".") -> Path:
    """The directory of one run, derived from its wildcards only."""
    return Path(root) / RUN_DIR.format(profile=profile, suite=suite, algo=algo, hp=hp, seed=seed)

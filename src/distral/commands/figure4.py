"""Draw Figure 4 (panels A1-D2: mazes, mazes distilled, navigation, laser-tag) of a profile.

Reads results/{profile}/{mazes,navigation,laser-tag}/{runs,curves,selection,normaliser}.csv
(from aggregate-deep) and writes figures/{profile}/fig4.{png,pdf,csv}.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import fig3, figs4_7
from distral.analysis.aggregates import read_suite
from distral.commands.common import add_common_arguments, check_suite, load
from distral.config import profile_budget
from distral.sweep import frames_per_task

SUITES = ("mazes", "navigation", "laser-tag")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    for suite in SUITES:
        check_suite(params, suite, args.params)
    budget = profile_budget(params, "deep", profile)
    suites = {suite: read_suite(args.root, profile, suite) for suite in SUITES}
    text = figs4_7.budget_text(budget, {s: frames_per_task(budget, s, profile) for s in SUITES})
    fig, data = figs4_7.figure4(suites, list(params["deep"]["algorithms"]), text)
    stem = Path(args.root) / paths.FIGURE_DIR.format(profile=profile) / "fig4"
    fig3.save_figure(fig, data, stem)
    print(f"Figure 4 written to {stem}.{{png,pdf,csv}}")
    return 0

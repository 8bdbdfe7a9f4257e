"""Draw Figure 4 (panels A1-D2: mazes, mazes distilled, navigation, laser-tag) of a profile.

Reads results/{profile}/{suite}/{runs,curves,selection,normaliser,random}.csv of every suite
of params.yaml `suites` (from aggregate-deep) and writes figures/{profile}/fig4.{png,pdf,csv}.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import figs4_7
from distral.analysis.aggregates import read_suite
from distral.analysis.style import save_figure
from distral.commands.common import add_common_arguments, check_suite, load
from distral.config import profile_budget
from distral.sweep import frames_per_task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    for suite in dict.fromkeys(suite for _, suite, _, _ in figs4_7.FIG4_PANELS):  # the suites Figure 4 draws
        check_suite(params, suite, args.params)
    suites = list(dict.fromkeys(suite for _, suite, _, _ in figs4_7.FIG4_PANELS))  # not a user suite's
    budget = profile_budget(params, "deep", profile)
    tables = {suite: read_suite(args.root, profile, suite) for suite in suites}
    text = figs4_7.budget_text(budget, {s: frames_per_task(budget, s, profile) for s in suites})
    fig, data = figs4_7.figure4(tables, list(params["deep"]["algorithms"]), text)
    stem = Path(args.root) / paths.FIGURE_DIR.format(profile=profile) / "fig4"
    save_figure(fig, data, stem)
    print(f"Figure 4 written to {stem}.{{png,pdf,csv}}")
    return 0

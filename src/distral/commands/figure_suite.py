"""Draw a 3D suite's per-task figure (App. C): Figure 5 (mazes: task and distilled policies),
Figure 6 (navigation: both), Figure 7 (laser-tag: task policies only, as in the paper);
the mapping is distral.analysis.style.SUITE_FIGURES; a user suite's figure is fig_<suite>
(task and distilled policies).

Reads results/{profile}/{suite}/{runs,curves,selection,normaliser,random}.csv (from aggregate-deep)
and writes figures/{profile}/fig{5,6,7}.{png,pdf,csv} (fig_<suite> for a user suite).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import figs4_7
from distral.analysis.aggregates import read_suite
from distral.analysis.style import save_figure, suite_figure_spec
from distral.commands.common import add_common_arguments, check_suite, load
from distral.config import profile_budget
from distral.sweep import frames_per_task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True,
                        help="mazes (Figure 5), navigation (6), laser-tag (7) or a user suite (fig_<suite>)")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    check_suite(params, args.suite, args.params)
    stem, number, policies = suite_figure_spec(args.suite)
    budget = profile_budget(params, "deep", profile)
    tables = read_suite(args.root, profile, args.suite)
    text = figs4_7.budget_text(budget, {args.suite: frames_per_task(budget, args.suite, profile)})
    fig, data = figs4_7.suite_figure(tables, args.suite, number, policies, list(params["deep"]["algorithms"]), text)
    path = Path(args.root) / paths.FIGURE_DIR.format(profile=profile) / stem
    save_figure(fig, data, path)
    print(f"{args.suite} per task written to {path}.{{png,pdf,csv}}")
    return 0

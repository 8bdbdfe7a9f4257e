"""`python -m distral suite-gallery`: pictures of the 3D task suites (distral.envs.vizdoom.gallery).

Writes figures/<profile>/suites/: a PNG + PDF panel per suite of params.yaml `suites` (or of
--suites), tasks.csv, and the scripted agent's frame strip and GIF.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from distral import paths
from distral.commands.common import add_common_arguments, check_suite, load
from distral.envs.vizdoom.gallery import agent_strip, suite_panel
from distral.io import write_csv
from distral.sweep import deep_suites


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser, root_help="directory under which figures/<profile>/suites is written")
    parser.add_argument("--suites", nargs="+", help="suites of params.yaml `suites` (default: all of them)")
    parser.add_argument("--gif-steps", type=int, default=100, help="agent steps in the GIF (default 100)")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    # the ViZDoom suites only: a user suite's envs draw themselves (GymnasiumTask.render)
    suites = args.suites or [s for s in deep_suites(params) if params["suites"][s].get("backend") != "gymnasium"]
    for suite in suites:
        check_suite(params, suite, args.params)
    if args.gif_steps < 1:
        raise ValueError(f"--gif-steps: must be >= 1, got {args.gif_steps}")
    out = Path(args.root) / paths.FIGURE_DIR.format(profile=profile) / "suites"
    rows = []
    for name in suites:
        rows += suite_panel(params, name, out)
    write_csv(pd.DataFrame(rows), out / "tasks.csv")
    agent_strip(params, out, args.gif_steps)
    print(f"suite-gallery: wrote {out}")
    return 0

"""`python -m distral suite-gallery`: pictures of the 3D task suites (distral.envs.vizdoom.gallery).

Writes figures/<profile>/suites/: a PNG + PDF panel per suite, tasks.csv, and the scripted
agent's frame strip and GIF.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from distral import paths
from distral.config import load_params
from distral.envs.vizdoom.gallery import SUITES, agent_strip, suite_panel
from distral.io import write_csv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="output under figures/<profile>/suites (default: params.yaml's)")
    parser.add_argument("--params", default="params.yaml", help="parameters file (default: params.yaml)")
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=SUITES)
    parser.add_argument("--gif-steps", type=int, default=100, help="agent steps in the GIF (default 100)")


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    profile = args.profile or params["profile"]
    if profile not in params["profiles"]:
        raise ValueError(f"--profile: unknown profile {profile!r} (known: {', '.join(params['profiles'])})")
    if args.gif_steps < 1:
        raise ValueError(f"--gif-steps: must be >= 1, got {args.gif_steps}")
    out = Path(paths.FIGURE_DIR.format(profile=profile)) / "suites"
    rows = []
    for name in args.suites:
        rows += suite_panel(params, name, out)
    write_csv(pd.DataFrame(rows), out / "tasks.csv")
    agent_strip(params, out, args.gif_steps)
    print(f"suite-gallery: wrote {out}")
    return 0
